import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from astropy.io import fits
from rio_cogeo.cogeo import cog_validate
from rio_tiler.io import ImageReader

from tests.conftest import shared_file
from tests.tiles.fits_files import band_data, sip_header, tan_header, write_fits
from tiles.errors import BandNameError, FitsReadError, GridMismatchError, RecipeError
from tiles.ingest import BandInput, build_image
from tiles.rendition import parse_recipe

pytestmark = pytest.mark.filterwarnings(
    "ignore::rasterio.errors.NotGeoreferencedWarning", "ignore::PendingDeprecationWarning"
)
NY, NX = 40, 56
BRIGHT = (13, 31)  # FITS 0-based (x, y)
PHOTFLAM = {"F275W": 3e-18, "F336W": 1.3e-18, "F435W": 3e-19, "F555W": 2e-19, "F814W": 1.5e-19}


def legus_bands(folder: Path, photflam: bool = True) -> list[BandInput]:
    folder.mkdir(exist_ok=True)
    inputs = []
    for i, name in enumerate(PHOTFLAM):
        data = band_data(NY, NX, seed=i, level=10.0 * (i + 1))
        data[BRIGHT[1], BRIGHT[0]] = 5000.0
        data[0, 0] = np.nan
        cards = {"PHOTFLAM": PHOTFLAM[name]} if photflam else {}
        path = write_fits(folder / f"{name}.fits", data, tan_header(NX, NY), BUNIT="ELECTRONS/S", **cards)
        inputs.append(BandInput(name, path))
    return inputs


def fits_data(band: BandInput) -> np.ndarray:
    return fits.getdata(band.path).astype(np.float64)


def cog(out_dir: Path, relative: str) -> np.ndarray:
    with rasterio.open(out_dir / relative) as src:
        return src.read().astype(np.float64)


def test_legus_image(tmp_path: Path) -> None:
    inputs = legus_bands(tmp_path / "fits")
    out = tmp_path / "images" / "ngc0000"
    stages: list[tuple[str, float]] = []
    manifest = build_image(inputs, out, progress=lambda stage, f: stages.append((stage, f)))
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert sorted(p.name for p in out.parent.iterdir()) == ["ngc0000"]  # no partial folder left
    assert manifest["version"] == 1 and manifest["shape"] == [NY, NX] and manifest["orientation"] == "fits-y-up"
    assert manifest["default_rendition"] == "colour" and manifest["warnings"] == []
    assert stages[0] == ("checking bands", 0.0) and stages[-1] == ("done", 1.0)

    band = manifest["bands"][3]
    assert band["name"] == "F555W" and band["cog"] == "bands/F555W.tif" and band["source_file"] == "F555W.fits"
    assert (band["hdu"], band["extname"], band["bunit"], band["filter"]) == (0, None, "ELECTRONS/S", "F555W")
    assert band["photflam"] == band["inverse_gain"] == 2e-19 and band["calibrated"] is True
    assert "CTYPE1  = 'RA---TAN'" in band["header"] and band["stats"]["n_valid"] == NY * NX - 1

    colour = manifest["renditions"][0]
    assert colour["cog"] == "renditions/colour.tif" and colour["calibrated"] is True and len(colour["stats"]) == 3
    assert colour["channels"] == [{"F555W": 0.5, "F814W": 0.5}, {"F435W": 1.0}, {"F275W": 0.5, "F336W": 0.5}]
    single = manifest["renditions"][1]
    assert single["name"] == "F275W" and single["cog"] == "bands/F275W.tif" and single["kind"] == "band"
    assert single["stats"] == [manifest["bands"][0]["stats"]]

    for relative in ["bands/F275W.tif", "renditions/colour.tif"]:
        assert cog_validate(out / relative, quiet=True)[0]
    with ImageReader(str(out / "renditions/colour.tif")) as reader:
        assert reader.tile(0, 0, reader.maxzoom).data.shape == (3, 256, 256)
    assert "CRVAL1" in manifest["wcs_header"]


def test_composite_matches_the_papers_formula(tmp_path: Path) -> None:
    inputs = legus_bands(tmp_path / "fits")
    out = tmp_path / "img"
    build_image(inputs, out)
    d = {b.name: fits_data(b) * PHOTFLAM[b.name] for b in inputs}
    expected = np.stack([(d["F555W"] + d["F814W"]) / 2, d["F435W"], (d["F275W"] + d["F336W"]) / 2])
    stored = cog(out, "renditions/colour.tif")[:, ::-1, :]  # back to FITS row order
    np.testing.assert_allclose(stored, expected, rtol=1e-5)
    assert np.isnan(stored[:, 0, 0]).all()


def test_orientation_bright_pixel_lands_in_row_ny_minus_1_minus_y(tmp_path: Path) -> None:
    inputs = legus_bands(tmp_path / "fits")
    out = tmp_path / "img"
    build_image(inputs, out)
    stored = cog(out, "bands/F814W.tif")[0]
    x, y = BRIGHT
    assert stored[NY - 1 - y, x] == 5000.0
    assert np.unravel_index(np.nanargmax(stored), stored.shape) == (NY - 1 - y, x)
    np.testing.assert_array_equal(stored, fits_data(inputs[4])[::-1])


def test_uncalibrated_bands_and_user_recipes(tmp_path: Path) -> None:
    inputs = legus_bands(tmp_path / "fits", photflam=False)
    out = tmp_path / "img"
    recipes = [parse_recipe("ha:R=F814W,G=F555W,B=0.5*F435W+0.5*F336W"), parse_recipe("neg:-1*F814W")]
    manifest = build_image(inputs, out, recipes=recipes)
    by_name = {r["name"]: r for r in manifest["renditions"]}
    assert not by_name["colour"]["calibrated"] and not manifest["bands"][0]["calibrated"]
    assert manifest["bands"][0]["inverse_gain"] == 1.0
    assert any("no PHOTFLAM" in w and "raw units" in w for w in manifest["warnings"])
    assert by_name["ha"]["kind"] == "custom" and by_name["ha"]["cog"] == "renditions/ha.tif"
    ha = cog(out, "renditions/ha.tif")[:, ::-1, :]
    np.testing.assert_allclose(ha[2], 0.5 * fits_data(inputs[2]) + 0.5 * fits_data(inputs[1]), rtol=1e-6)
    assert by_name["neg"]["cog"] == "renditions/neg.tif"  # a negative weight is not the band COG
    assert by_name["neg"]["stats"][0]["max"] == pytest.approx(-manifest["bands"][4]["stats"]["min"])


def test_failure_in_the_middle_leaves_nothing(tmp_path: Path) -> None:
    inputs = legus_bands(tmp_path / "fits")
    parent = tmp_path / "images"
    parent.mkdir()

    def explode(stage: str, fraction: float) -> None:
        if stage.startswith("building COG"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        build_image(inputs, parent / "img", progress=explode)
    assert list(parent.iterdir()) == []


def test_cheap_checks_come_before_any_writing(tmp_path: Path) -> None:
    inputs = legus_bands(tmp_path / "fits")
    parent = tmp_path / "images"
    with pytest.raises(RecipeError, match="uses band F657N"):
        build_image(inputs, parent / "img", recipes=[parse_recipe("ha:F657N")])
    odd = write_fits(tmp_path / "odd.fits", band_data(NY + 1, NX), tan_header(NX, NY + 1))
    with pytest.raises(GridMismatchError, match="band odd has shape 56x41"):
        build_image([*inputs, BandInput("odd", odd)], parent / "img")
    with pytest.raises(FitsReadError, match="file not found"):
        build_image([*inputs, BandInput("gone", tmp_path / "gone.fits")], parent / "img")
    with pytest.raises(BandNameError, match="band name F275W is given twice"):
        build_image([*inputs, inputs[0]], parent / "img")
    with pytest.raises(BandNameError, match="no bands given"):
        build_image([], parent / "img")
    assert not parent.exists()
    (parent / "img").mkdir(parents=True)
    with pytest.raises(FileExistsError):
        build_image(inputs, parent / "img")


def test_sip_wcs_header_is_kept(tmp_path: Path) -> None:
    path = write_fits(tmp_path / "sip.fits", band_data(30, 30), sip_header(30, 30))
    manifest = build_image([BandInput("F814W", path)], tmp_path / "img")
    assert "A_ORDER" in manifest["wcs_header"] and "RA---TAN-SIP" in manifest["wcs_header"]
    assert manifest["default_rendition"] == "F814W" and [r["name"] for r in manifest["renditions"]] == ["F814W"]


def test_real_sdss_gri(tmp_path: Path) -> None:
    from tiles.filters import find_filter

    paths = [shared_file(f"images/sdss_gri/reprojected_sdss_{c}.fits") for c in "gri"]
    inputs = [BandInput(find_filter(p.stem).name, p) for p in paths]  # type: ignore[union-attr]
    manifest = build_image(inputs, tmp_path / "sdss")
    assert [b["name"] for b in manifest["bands"]] == ["g", "r", "i"] and manifest["shape"] == [496, 682]
    colour = manifest["renditions"][0]
    assert colour["channels"] == [{"i": 1.0}, {"r": 1.0}, {"g": 1.0}] and colour["calibrated"] is False
    assert manifest["bands"][0]["exptime"] == pytest.approx(53.907456)


@pytest.mark.parametrize("stem", ["group_of_galaxies", "cd_galaxy", "spiral_galaxy"])
def test_real_hst_f105w(tmp_path: Path, stem: str) -> None:
    path = shared_file(f"images/hst_a2744_f105w/abell_2744_{stem}_f105w.fits.gz")
    manifest = build_image([BandInput("F105W", path)], tmp_path / stem)
    band = manifest["bands"][0]
    if stem == "spiral_galaxy":  # this cutout's header lost its photometry keywords
        assert band["photflam"] is None and band["calibrated"] is False
    else:
        assert band["photflam"] == pytest.approx(3.0386574e-20) and band["calibrated"] is True
    assert band["filter"] == "F105W" and cog_validate(tmp_path / stem / band["cog"], quiet=True)[0]


def test_real_hst_and_hsc_need_reproject(tmp_path: Path) -> None:
    hst = BandInput("F814W", shared_file("images/cosmos_hst_hsc/Cut_HST.fits"))
    hsc_path = shared_file("images/cosmos_hst_hsc/Cut_HSC.fits")
    hsc = [BandInput(f"HSC_{c}", hsc_path, plane=k) for k, c in enumerate("grizy")]
    with pytest.raises(GridMismatchError, match="band F814W has shape 250x250, band HSC_g has shape 50x50"):
        build_image([hst, *hsc], tmp_path / "no")
    assert not (tmp_path / "no").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        manifest = build_image([hst, *hsc], tmp_path / "yes", reproject=True)
    assert manifest["shape"] == [250, 250]
    assert sum("resampled onto the grid of F814W" in w for w in manifest["warnings"]) == 5
    assert [b["plane"] for b in manifest["bands"]] == [None, 0, 1, 2, 3, 4]
    assert manifest["renditions"][0]["kind"] == "composite"
    assert not any(p.name == "_work" for p in (tmp_path / "yes").iterdir())


def test_bench_ingest_reports_time_and_peak_memory(tmp_path: Path) -> None:
    from benchmarks.ingest import bench_ingest

    result = bench_ingest(tmp_path, size=300, n_bands=5)
    assert result["size"] == 300 and result["n_bands"] == 5
    assert result["seconds"] > 0 and 50 < result["peak_rss_mb"] < 3000 and result["out_mb"] > 0
    assert result["renditions"][0] == "colour"
    assert list(tmp_path.iterdir()) == []  # the synthetic files are removed
