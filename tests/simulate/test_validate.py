"""The simulated sources measured as LEGUS did: CI and colours close to the real catalogues, class by class."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulate import SimulationError, validate
from simulate.validate import format_report
from tests.simulate.fields import validated_field


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return validated_field(tmp_path_factory, "validate", seed=3)


def test_enough_sources_pass_the_legus_selection(report: dict) -> None:
    for label, entry in report["classes"].items():
        # >= 50: crowded associations lose some to the sky annulus (a neighbour in it), as LEGUS's would
        assert entry["n_sim"] >= 50, label
        assert entry["n_legus"] >= 900, label


@pytest.mark.parametrize("label", [1, 2, 4])
def test_concentration_index_matches_legus(report: dict, label: int) -> None:
    # ~100 simulated sources per class: KS noise alone reaches ~0.14; a PSF or size error of 0.1 mag in CI
    # gives ~0.3
    assert report["classes"][label]["ks"]["CI"] < 0.22


def test_associations_are_less_concentrated_but_still_legus_like(report: dict) -> None:
    assert report["classes"][3]["ks"]["CI"] < 0.3
    assert report["classes"][3]["median_sim"]["CI"] > report["classes"][4]["median_sim"]["CI"]


@pytest.mark.parametrize("colour", ["NUV-U", "U-B", "B-V", "V-I"])
def test_colours_match_legus_in_every_class(report: dict, colour: str) -> None:
    for label, entry in report["classes"].items():
        assert entry["ks"][colour] < 0.25, (label, colour)


def test_aperture_corrections_are_hst_like(report: dict) -> None:
    # a 4 px (0.16") aperture misses 15-35 % of a barely resolved cluster's light, more in F814W (red halo)
    corrections = report["aperture_corrections"]
    assert all(-0.5 < value < -0.1 for value in corrections.values())
    assert corrections["F814W"] < corrections["F555W"]


def test_report_formats_as_a_table(report: dict) -> None:
    text = format_report(report)
    lines = text.splitlines()
    assert "class" in text and len(lines) == 6 + 1 + 4 + 1  # KS table, crowding header + 4 classes, separability
    assert lines[6].startswith("crowding") and lines[-1].startswith("separability")


def test_incomplete_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SimulationError, match="not a complete simulated field"):
        validate(tmp_path, tmp_path)


def test_report_has_crowding_and_separability_against_legus(report: dict) -> None:
    crowd = report["crowding"]
    assert set(crowd["sim"]) == set(crowd["legus"]) == {1, 2, 3, 4}
    for c in (1, 2, 3, 4):
        assert len(crowd["sim"][c]) == 2 and len(crowd["legus_range"][c]) == 2
        lo5, hi5 = crowd["legus_range"][c][0]
        assert 0.0 <= lo5 <= hi5 <= 1.0
    assert crowd["legus"][1][1] < crowd["legus"][3][1]  # in LEGUS class 1 is isolated, class 3 crowded
    sep = report["separability"]
    lo, hi = sep["legus_auc_binary_range"]
    assert 0.5 < lo < hi < 1.0 and 0.0 <= sep["sim_auc_binary"] <= 1.0
    assert set(report["ks"]) == {1, 2, 3, 4}
