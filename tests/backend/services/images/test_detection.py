"""Magnitude systems and the default detection band of ``skylabel detect``."""

from __future__ import annotations

import json
import math
from pathlib import Path

from astropy.io import fits

from backend.services.images.detection import band_zeropoints, default_detection_band


def manifest(folder: Path, bands: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"bands": bands}))
    return folder


def header(**cards: float) -> str:
    h = fits.Header()
    for key, value in cards.items():
        h[key] = value
    return h.tostring(sep="\n", padding=False)


def test_vega_zeropoints_when_every_band_has_vegazpt(tmp_path: Path) -> None:
    folder = manifest(tmp_path, [{"name": "F555W", "header": header(VEGAZPT=25.7), "photflam": 1e-19, "photplam": 5e3},
                                 {"name": "F814W", "header": header(VEGAZPT=25.5), "photflam": 1e-19, "photplam": 8e3}])
    assert band_zeropoints(folder) == ({"F555W": 25.7, "F814W": 25.5}, "Vega")


def test_ab_zeropoints_from_photflam_and_photplam(tmp_path: Path) -> None:
    folder = manifest(tmp_path, [{"name": "F555W", "header": header(), "photflam": 1.96e-19, "photplam": 5308.0}])
    zps, system = band_zeropoints(folder)
    assert system == "AB"
    expected = -2.5 * math.log10(1.96e-19) - 5 * math.log10(5308.0) - 2.408
    assert abs(zps["F555W"] - expected) < 1e-9 and 25.5 < zps["F555W"] < 26.0  # WFC3/UVIS F555W AB ~ 25.8


def test_instrumental_when_calibration_is_missing(tmp_path: Path) -> None:
    folder = manifest(tmp_path, [{"name": "g", "header": header(), "photflam": None, "photplam": None}])
    assert band_zeropoints(folder) == (None, "instrumental")
    assert band_zeropoints(tmp_path / "nowhere") == (None, "instrumental")


def test_default_detection_band_is_v() -> None:
    assert default_detection_band(["F275W", "F336W", "F435W", "F555W", "F814W"], [None] * 5) == "F555W"
    assert default_detection_band(["uv", "vis"], ["F275W", "F606W"]) == "vis"
    assert default_detection_band(["g", "r", "i"], [None] * 3) == "g"
