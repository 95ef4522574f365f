"""Source detection (tiles/detect*.py): agreement with SExtractor's own catalogue, byte order, NaN masking,
CI, multi-band detection, truth matching, sep's buffer limits and the evaluation on a simulated field."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import sep
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from benchmarks.detection import evaluate_on_simulation, format_report
from tests.conftest import shared_file
from tests.tiles.cog_factory import write_cog
from tiles.detect.pipeline import (
    DetectionBufferError,
    DetectionError,
    detect_sources,
    match_pairs,
    match_to_truth,
    read_band_array,
)

PAIR = "sextractor_pair"


def _sextractor_image() -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)  # the ESO-LOG cards of this 1992 header
        with fits.open(shared_file(f"{PAIR}/image.fits")) as hdul:
            return np.array(hdul[0].data, dtype=np.float32)


def _sextractor_catalogue() -> np.ndarray:
    """image.cat rows: column 1 NUMBER, 2-3 X_IMAGE/Y_IMAGE (1-based), 13 FLUX_APER (5 px radius)."""
    return np.loadtxt(shared_file(f"{PAIR}/image.cat"), comments="#")


def _gaussian(shape: tuple[int, int], x0: float, y0: float, sigma: float, total: float) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    return total * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2 * sigma**2)) / (2 * math.pi * sigma**2)


def _noise(shape: tuple[int, int], seed: int, sigma: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, sigma, shape)


def test_detections_agree_with_sextractor_catalogue() -> None:
    catalogue = _sextractor_catalogue()
    assert len(catalogue) == 65
    truth_x, truth_y = catalogue[:, 1] - 1.0, catalogue[:, 2] - 1.0  # X_IMAGE, Y_IMAGE are FITS 1-based
    # deblend_cont=1 switches deblending off: then every catalogue source is found within 1 px
    result = detect_sources({"R": _sextractor_image()}, ["R"], threshold=1.5, deblend_cont=1.0,
                            aperture_radii=(5.0,), phot_radius=5.0)
    truth_to_det, _ = match_pairs(result.x, result.y, truth_x, truth_y, radius=1.0)
    assert 65 <= len(result) <= 70
    assert (truth_to_det >= 0).all()
    offsets = np.hypot(result.x[truth_to_det] - truth_x, result.y[truth_to_det] - truth_y)
    assert np.median(offsets) < 0.01
    flux = result.fluxes["R"][5.0][truth_to_det]
    reference = catalogue[:, 12]
    assert np.corrcoef(flux, reference)[0, 1] > 0.999
    assert np.median(flux / reference) == pytest.approx(1.0, abs=0.01)
    # instrumental magnitudes (no zeropoints) at phot_radius
    np.testing.assert_allclose(result.mags["R"][truth_to_det], -2.5 * np.log10(flux), rtol=1e-9)


def test_default_deblending_still_finds_most_catalogue_sources() -> None:
    catalogue = _sextractor_catalogue()
    result = detect_sources({"R": _sextractor_image()}, ["R"], threshold=1.5)
    truth_to_det, _ = match_pairs(result.x, result.y, catalogue[:, 1] - 1.0, catalogue[:, 2] - 1.0, radius=1.0)
    assert (truth_to_det >= 0).sum() >= 58
    assert (result.flag & sep.OBJ_MERGED).any()  # deblended objects are flagged


def test_big_endian_input_gives_the_same_catalogue() -> None:
    native = _sextractor_image()
    big = native.astype(">f4")
    assert big.dtype.byteorder == ">"
    a = detect_sources({"R": native}, ["R"], threshold=1.5)
    b = detect_sources({"R": big}, ["R"], threshold=1.5)
    assert len(a) == len(b) > 50
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.fluxes["R"][3.0], b.fluxes["R"][3.0])
    assert big.dtype.byteorder == ">"  # the input is not modified


def test_nan_pixels_are_masked() -> None:
    image = _sextractor_image()
    clean = detect_sources({"R": image}, ["R"], threshold=1.5)
    holed = image.copy()
    holed[150:256, 0:120] = np.nan  # the nodata corner of a mosaic
    result = detect_sources({"R": holed}, ["R"], threshold=1.5)
    assert np.isfinite(result.x).all() and np.isfinite(result.y).all()
    inside = (result.y >= 149) & (result.x <= 120)
    assert not inside.any()
    outside = (clean.y < 140) | (clean.x > 130)
    truth_to_det, _ = match_pairs(result.x, result.y, clean.x[outside], clean.y[outside], radius=0.5)
    assert (truth_to_det >= 0).mean() > 0.9  # the rest of the image is unaffected


def test_nan_in_one_band_gives_nan_photometry_there_only() -> None:
    shape = (96, 96)
    sky = _gaussian(shape, 30.0, 40.0, 1.5, 2000.0) + _gaussian(shape, 70.0, 60.0, 1.5, 2000.0)
    v = (sky + _noise(shape, 1)).astype(np.float32)
    i = (sky + _noise(shape, 2)).astype(np.float32)
    i[50:70, 60:80] = np.nan  # the second source lies outside this band's footprint
    result = detect_sources({"F555W": v, "F814W": i}, ["F555W"], back_size=32)
    assert len(result) == 2
    second = int(np.argmax(result.x))
    assert math.isnan(result.mags["F814W"][second]) and math.isfinite(result.mags["F555W"][second])
    assert math.isfinite(result.mags["F814W"][1 - second])


def test_concentration_index_separates_point_and_extended_sources() -> None:
    shape = (128, 128)
    point = _gaussian(shape, 40.0, 64.0, 1.0, 3000.0)  # HST-like PSF, sigma 1 px
    extended = _gaussian(shape, 90.0, 64.0, 2.5, 3000.0)
    v = (point + extended + _noise(shape, 3)).astype(np.float32)
    i = (point + extended + _noise(shape, 4)).astype(np.float32)
    result = detect_sources({"F814W": i, "F555W": v}, ["F814W"], zeropoints={"F555W": 25.7, "F814W": 25.5})
    assert len(result) == 2 and result.ci_band == "F555W"  # LEGUS measures CI in V even when detecting in I
    order = np.argsort(result.x)
    ci_point, ci_extended = result.ci[order]
    expected_point = 2.5 * math.log10((1 - math.exp(-4.5)) / (1 - math.exp(-0.5)))  # Gaussian, r = 3 and 1 px
    assert ci_point == pytest.approx(expected_point, abs=0.15)
    assert ci_extended > ci_point + 0.5
    fluxes = result.fluxes["F555W"]
    np.testing.assert_allclose(result.ci, -2.5 * np.log10(fluxes[1.0] / fluxes[3.0]))
    np.testing.assert_allclose(result.mags["F555W"], 25.7 - 2.5 * np.log10(fluxes[3.0]))


def test_multiband_detection_image_combines_bands() -> None:
    shape = (128, 128)
    only_blue = _gaussian(shape, 30.0, 30.0, 1.2, 400.0)
    only_red = _gaussian(shape, 100.0, 90.0, 1.2, 400.0)
    faint_both = _gaussian(shape, 60.0, 100.0, 4.0, 240.0)  # peak 2.4 sigma per band, 3.4 in the S/N sum
    blue = (only_blue + faint_both + _noise(shape, 5)).astype(np.float32)
    red = (only_red + faint_both + _noise(shape, 6)).astype(np.float32)
    bands = {"F435W": blue, "F814W": red}
    single = detect_sources(bands, ["F435W"], threshold=3.0, back_size=32)
    both = detect_sources(bands, ["F435W", "F814W"], threshold=3.0, back_size=32)
    assert both.detect_bands == ("F435W", "F814W") and both.ci_band == "F435W"

    def found(result: object, x: float, y: float) -> bool:
        return bool((np.hypot(result.x - x, result.y - y) < 1.5).any())  # type: ignore[attr-defined]

    assert found(single, 30, 30) and not found(single, 100, 90)
    assert found(both, 30, 30) and found(both, 100, 90) and found(both, 60, 100)
    assert not found(single, 60, 100)
    assert set(both.fluxes) == {"F435W", "F814W"}


def test_pixel_buffer_grows_and_then_fails_with_a_clear_message() -> None:
    shape = (512, 512)
    blob = np.zeros(shape)
    blob[100:300, 150:350] = 50.0  # one object of 40,000 pixels above threshold
    image = (blob + _noise(shape, 7)).astype(np.float32)
    default = sep.get_extract_pixstack()
    sep.set_extract_pixstack(1000)  # a small global limit: the first try gets 512*512/16 = 16,384 pixels
    try:
        result = detect_sources({"R": image}, ["R"], back_size=512, minarea=5)
        assert len(result) == 1 and result.npix[0] >= 40_000
        assert sep.get_extract_pixstack() == 1000  # sep's global limit is restored
        with pytest.raises(DetectionBufferError, match=r"more than 20,000 pixels .* raise threshold"):
            detect_sources({"R": image}, ["R"], back_size=512, max_pixstack=20_000)
        assert sep.get_extract_pixstack() == 1000
    finally:
        sep.set_extract_pixstack(default)


def test_deblending_limit_error_names_the_settings() -> None:
    shape = (64, 64)
    pair = _gaussian(shape, 28.0, 32.0, 1.5, 3000.0) + _gaussian(shape, 35.0, 32.0, 1.5, 3000.0)
    image = (pair + _noise(shape, 8)).astype(np.float32)
    assert len(detect_sources({"R": image}, ["R"], back_size=64)) == 2
    with pytest.raises(DetectionBufferError, match="deblend_nthresh"):
        detect_sources({"R": image}, ["R"], back_size=64, max_sub_objects=1)


def test_match_to_truth_exact_values() -> None:
    truth_x, truth_y = [10.0, 20.0, 30.0, 40.0], [10.0, 10.0, 10.0, 10.0]
    det_x, det_y = [10.5, 11.0, 29.0, 80.0], [10.0, 10.0, 10.0, 80.0]  # two detections near truth 0
    report = match_to_truth(det_x, det_y, truth_x, truth_y, radius=2.0, truth_class=[1, 1, 2, 4],
                            truth_mag=[20.2, 21.5, 21.7, 23.1], det_mag=[20.0, 24.5, 21.8, 22.0])
    assert (report["n_truth"], report["n_detected"], report["n_matched"]) == (4, 4, 2)
    assert report["completeness"] == 0.5 and report["purity"] == 0.5
    assert report["median_offset_px"] == pytest.approx(0.75)
    assert report["by_class"] == {"1": {"n_truth": 2, "n_matched": 1, "completeness": 0.5},
                                  "2": {"n_truth": 1, "n_matched": 1, "completeness": 1.0},
                                  "4": {"n_truth": 1, "n_matched": 0, "completeness": 0.0}}
    assert [b["completeness"] for b in report["by_magnitude"]] == [1.0, 0.5, None, 0.0]
    assert [(b["mag_max"], b["completeness"]) for b in report["brighter_than"]] == [
        (21.0, 1.0), (22.0, 2 / 3), (23.0, 2 / 3), (24.0, 0.5)]
    assert [b["purity"] for b in report["purity_by_magnitude"]] == [1.0, 1.0, 0.0, None]
    truth_to_det, det_to_truth = match_pairs(det_x, det_y, truth_x, truth_y, radius=2.0)
    assert truth_to_det.tolist() == [0, -1, 2, -1] and det_to_truth.tolist() == [0, -1, 2, -1]
    json.dumps(report, allow_nan=False)


def test_match_is_one_to_one_closest_first_and_handles_empty_lists() -> None:
    truth_to_det, det_to_truth = match_pairs([0.0, 1.2], [0.0, 0.0], [0.9, 5.0], [0.0, 5.0], radius=2.0)
    assert truth_to_det.tolist() == [1, -1] and det_to_truth.tolist() == [-1, 0]
    empty = match_to_truth([], [], [1.0, 2.0], [1.0, 2.0])
    assert empty["completeness"] == 0.0 and empty["purity"] is None
    with pytest.raises(DetectionError, match="NaN"):
        match_to_truth([np.nan], [0.0], [1.0], [1.0])


def test_to_rows_is_json_with_nan_as_none() -> None:
    shape = (64, 64)
    image = (_gaussian(shape, 32.0, 30.0, 1.2, 2000.0) + _noise(shape, 9)).astype(np.float32)
    other = np.full(shape, np.nan, dtype=np.float32)
    other[:, :8] = 0.0  # a band that is nodata where the source is
    result = detect_sources({"F555W": image, "F336W": other}, ["F555W"], back_size=32)
    rows = result.to_rows()
    assert len(rows) == len(result) == 1
    row = rows[0]
    assert row["id"] == 1 and row["x"] == pytest.approx(32.0, abs=0.2) and row["y"] == pytest.approx(30.0, abs=0.2)
    assert row["mag_F336W"] is None and isinstance(row["mag_F555W"], float)
    assert isinstance(row["flag"], int) and isinstance(row["npix"], int)
    assert {"flux_F555W_r1", "flux_F555W_r3", "flux_err_F336W_r3", "mag_err_F555W", "ci"} <= set(row)
    json.dumps(rows, allow_nan=False)


def test_read_band_array_undoes_the_cog_flip(tmp_path: Path) -> None:
    fits_rows = np.arange(12 * 10, dtype=np.float32).reshape(12, 10)
    fits_rows[2, 3] = np.nan
    path = write_cog(tmp_path / "band.tif", fits_rows)
    array = read_band_array(path)
    assert array.dtype == np.float32 and array.dtype.isnative and array.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(array, fits_rows)  # row 0 = FITS 0-based y = 0; NaN kept
    two = write_cog(tmp_path / "two.tif", np.stack([fits_rows, fits_rows]))
    with pytest.raises(DetectionError, match="holds 2 bands"):
        read_band_array(two)
    with pytest.raises(DetectionError, match="cannot read"):
        read_band_array(tmp_path / "missing.tif")


def test_bad_inputs_raise_actionable_errors() -> None:
    a, b = np.zeros((40, 40), np.float32), np.zeros((40, 30), np.float32)
    with pytest.raises(DetectionError, match="F275W has shape 40x30, F336W has 40x40: bands must share"):
        detect_sources({"F336W": a, "F275W": b}, ["F336W"])
    with pytest.raises(DetectionError, match="F814W not among the bands"):
        detect_sources({"F336W": a}, ["F814W"])
    with pytest.raises(DetectionError, match="zeropoints miss band"):
        detect_sources({"F336W": a, "F555W": a}, ["F336W"], zeropoints={"F336W": 23.5})
    with pytest.raises(DetectionError, match="threshold must be a positive"):
        detect_sources({"F336W": a}, ["F336W"], threshold=0)
    with pytest.raises(DetectionError, match="entirely nodata"):
        detect_sources({"F336W": np.full((40, 40), np.nan, np.float32)}, ["F336W"])


def test_evaluate_on_a_small_simulated_field(tmp_path: Path) -> None:
    from simulate import simulate

    simulate(tmp_path / "sim", size=256, seed=0, n_sources=60)
    report = evaluate_on_simulation(tmp_path / "sim")
    assert report["n_truth"] >= 60 and set(report["runs"]) == {"F555W", "all bands"}
    assert report["legus_v_cut"] == pytest.approx(-6.0 + 5 * math.log10(8e5), abs=1e-3)
    for run in report["runs"].values():
        bright = next(b for b in run["brighter_than"] if b["mag_max"] == 22.0)
        assert bright["completeness"] >= 0.6
        assert 0 < run["completeness"] <= 1 and 0 < run["purity"] <= 1
        assert set(run["by_class"]) <= {"1", "2", "3", "4"}
        assert run["legus_inspected"]["n_truth"] <= report["n_truth"]
        assert set(run["median_ci_by_class"]) == set(run["by_class"])
    json.dumps(report, allow_nan=False)
    assert "completeness" in format_report(report)
