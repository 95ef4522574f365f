"""``skylabel bench consensus``: its figures on a small simulated catalogue, and the command's JSON."""

from __future__ import annotations

import json

import pytest

from backend.cli import main
from benchmarks.consensus import run, table


def test_figures_on_a_small_galaxy() -> None:
    figures = run((3, 5), size=1024, seed=2)
    assert [r["k"] for r in figures["results"]] == [3, 5]
    for row in figures["results"]:
        assert row["expected_agreement"] == {"4class": 0.75, "binary": 0.872}
        assert row["human_to_mode_agreement"]["4class"] == pytest.approx(0.75, abs=0.04)
        assert row["adjudicated_accuracy"] >= row["majority_accuracy"]
        assert row["dawid_skene_accuracy"] >= row["majority_accuracy"] - 0.02
        assert 0 < row["disagreement_queue"] < figures["n_sources"]
    three, five = figures["by_k"]["3"], figures["by_k"]["5"]
    assert five["majority_accuracy"] > three["majority_accuracy"]  # more people, better consensus
    assert "Dawid-Skene" in table(figures)


def test_command_ends_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "consensus", "--size", "512", "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    for row in figures["results"]:
        assert {"majority_accuracy", "dawid_skene_accuracy", "adjudicated_accuracy"} <= set(row)
    assert main(["bench", "consensus", "--k", "9"]) == 2
