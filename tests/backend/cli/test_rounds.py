"""``skylabel round ...`` and ``skylabel simulate-annotators`` from the shell: create by drawn boxes, open,
synthetic annotators label every queue, close, report, adjudicate; offline votes from a truth table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table

from backend.cli.context import CliContext
from backend.db.session import session_scope
from backend.db.sources import Layer, Source
from backend.settings import Settings
from tests.backend.cli.test_catalogs import run_cli
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image


def seed_image(data: Path) -> int:
    """An image with one reference layer of 400 sources, classes 1..4 (as an imported truth catalogue)."""
    sessions = CliContext(Settings(data_dir=data, database_url=None)).sessions
    image = add_image(sessions, "demo", 400, 400, tan_header(400, 400))
    rng = np.random.default_rng(0)
    with session_scope(sessions) as session:
        layer = Layer(image_id=image, name="truth", kind="reference", style={}, meta={}, n_sources=400)
        session.add(layer)
        session.flush()
        session.add_all(Source(image_id=image, layer_id=layer.id, catalog_id=str(i), x=float(x), y=float(y),
                               row_band=int(y // 64), columns={}, n_votes=0,
                               reference_class=str(int(rng.integers(1, 5))))
                        for i, (x, y) in enumerate((x, y) for y in range(5, 400, 20) for x in range(5, 400, 20)))
    return image


def test_a_round_from_the_shell(tmp_path: Path) -> None:
    data = tmp_path / "data"
    image = seed_image(data)
    made = run_cli(["round", "create", str(image), "--k", "3", "--annotators", "ann,bob,cyd", "--box", "0,0,200,200",
                    "--n", "30", "--seed", "3", "--repeats", "1", "--by", "olga", "--json"], data)
    assert made.returncode == 0, made.stderr
    rnd = json.loads(made.stdout)
    assert rnd["state"] == "draft" and len(rnd["sources"]) == 30
    rid = str(rnd["id"])
    draft = run_cli(["simulate-annotators", rid], data)
    assert draft.returncode == 2 and "until it is opened" in draft.stderr
    assert run_cli(["round", "open", rid, "--by", "olga"], data).returncode == 0
    sim = run_cli(["simulate-annotators", rid, "--json"], data)
    assert sim.returncode == 0, sim.stderr
    assert json.loads(sim.stdout)["votes"] == 93  # 30 sources x 3 + one repeat each
    q = run_cli(["round", "queue", rid, "--annotator", "ann"], data)
    assert q.stdout.startswith("31 of 31 done")
    assert run_cli(["round", "close", rid, "--by", "olga"], data).returncode == 0
    report = json.loads(run_cli(["round", "report", rid, "--json"], data).stdout)
    assert report["n_votes"] == 90 and report["self_agreement"]["n"] == 3
    assert 0.4 < report["human_to_mode_agreement"]["4class"] <= 1
    target = report["disagreements"][0] if report["disagreements"] else rnd["sources"][0]
    adj = run_cli(["round", "adjudicate", rid, str(target), "2", "--note", "checked", "--json"], data)
    assert adj.returncode == 0 and json.loads(adj.stdout)["class"] == "2"
    listed = run_cli(["round", "list", str(image)], data)
    assert "adjudicated" in listed.stdout
    refused = run_cli(["round", "open", rid], data)
    assert refused.returncode == 2 and "cannot become open" in refused.stderr


def test_offline_votes_from_a_truth_table(tmp_path: Path) -> None:
    truth = Table({"id": np.arange(1, 2001), "class": np.random.default_rng(1).integers(1, 5, 2000)})
    truth.write(tmp_path / "truth.ecsv")
    done = run_cli(["simulate-annotators", "--truth", str(tmp_path / "truth.ecsv"), "--k", "3",
                    "--out", str(tmp_path / "votes.csv"), "--json"], tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["expected"]["4class"] == pytest.approx(0.75)
    votes = Table.read(tmp_path / "votes.csv", format="ascii.csv")
    assert len(votes) == 6000 and set(votes["annotator"]) == {"sim-1", "sim-2", "sim-3"}
    assert run_cli(["simulate-annotators"], tmp_path / "data").returncode == 2


def test_a_round_chosen_by_the_acquisition_function(tmp_path: Path) -> None:
    """``--strategy diverse`` (no regions needed): 409 as exit 2 without a model, k-center picks with one."""
    from tests.backend.services.learning.conftest import add_encoder

    data = tmp_path / "data"
    image = seed_image(data)
    args = ["round", "create", str(image), "--k", "2", "--annotators", "ann,bob", "--n", "4", "--strategy",
            "diverse", "--json"]
    refused = run_cli(args, data)
    assert refused.returncode == 2 and "embeddings" in refused.stderr
    group = np.arange(400) % 4  # four far-apart clusters of the embedding
    embeddings = (np.array([[0, 0], [30, 0], [0, 30], [30, 30]])[group]
                  + np.random.default_rng(2).normal(0, 0.5, (400, 2))).astype(np.float32)
    add_encoder(CliContext(Settings(data_dir=data, database_url=None)).sessions, data, image, embeddings)
    made = run_cli(args, data)
    assert made.returncode == 0, made.stderr
    chosen = json.loads(made.stdout)["sources"]
    assert sorted(group[sid - 1] for sid in chosen) == [0, 1, 2, 3]  # source ids follow the rows
