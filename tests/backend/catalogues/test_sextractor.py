"""SExtractor readers: the real ASCII_HEAD pair from sep's test data, an LDAC file written here, bad files."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from astropy.io import fits

from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.sextractor import read_sextractor
from tests.conftest import shared_file

PAIR = "sextractor_pair/image.cat"


def test_real_ascii_head_catalogue() -> None:
    catalog = read_sextractor(shared_file(PAIR))
    assert len(catalog) == 65
    # 21 data columns: FLUX_RADIUS(3) spans columns 18-20 and becomes three columns
    assert len(catalog.meta.columns) == 21
    assert [n for n in catalog.meta.columns if n.startswith("FLUX_RADIUS")] == [
        "FLUX_RADIUS_1", "FLUX_RADIUS_2", "FLUX_RADIUS_3"]
    assert catalog.meta.columns["X_IMAGE"].unit == "pixel"
    assert catalog.meta.columns["X2_IMAGE"].unit == "pixel**2"
    assert catalog.meta.columns["NUMBER"].description == "Running object number"
    first, third = catalog.sources[0], catalog.sources[2]
    assert first.id == "1"
    assert first.x == pytest.approx(165.1449 - 1) and first.y == pytest.approx(24.0084 - 1)  # 1-based -> 0-based
    assert first.columns["X_IMAGE"] == pytest.approx(165.1449)  # the catalogue's own column is untouched
    assert first.columns["FLUX_RADIUS_2"] == pytest.approx(3.507)
    assert third.columns["FLAGS"] == 24 and isinstance(third.columns["FLAGS"], int)
    assert third.shape is not None and third.shape.flags == 24 and third.shape.a == pytest.approx(0.772)
    assert first.ra is None and catalog.meta.layer_kind == "detections"


@pytest.mark.filterwarnings("ignore:The following header keyword is invalid")
def test_real_catalogue_lies_on_its_256x256_image() -> None:
    catalog = read_sextractor(shared_file(PAIR))
    ny, nx = fits.getdata(shared_file("sextractor_pair/image.fits")).shape
    xy = catalog.pixel_positions()
    assert (nx, ny) == (256, 256)
    assert np.all(xy >= -0.5) and np.all(xy[:, 0] < nx - 0.5) and np.all(xy[:, 1] < ny - 0.5)


def _ldac(objects: fits.BinTableHDU) -> bytes:
    header = fits.Header({"NAXIS1": 256, "NAXIS2": 256, "CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN"})
    cards = np.array([header.tostring()], dtype=f"S{len(header.tostring())}")
    imhead = fits.BinTableHDU.from_columns(
        [fits.Column(name="Field Header Card", format=f"{len(cards[0])}A", array=cards)], name="LDAC_IMHEAD")
    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), imhead, objects]).writeto(buffer)
    return buffer.getvalue()


def test_ldac_with_vector_column_and_image_header() -> None:
    objects = fits.BinTableHDU.from_columns([
        fits.Column(name="NUMBER", format="J", array=np.array([1, 2, 3])),
        fits.Column(name="XWIN_IMAGE", format="D", unit="pixel", array=np.array([1.0, 10.5, 256.0])),
        fits.Column(name="YWIN_IMAGE", format="D", unit="pixel", array=np.array([1.0, 20.25, 3.0])),
        fits.Column(name="MAG_APER", format="2E", unit="mag", array=np.array([[20.0, 19.5], [99.0, 99.0],
                                                                             [21.0, 20.0]])),
        fits.Column(name="FLAGS", format="I", array=np.array([0, 2, 16])),
    ], name="LDAC_OBJECTS")
    catalog = read_sextractor(_ldac(objects))
    assert catalog.meta.format == "sextractor-ldac" and catalog.ids() == ["1", "2", "3"]
    assert [(s.x, s.y) for s in catalog] == [(0.0, 0.0), (9.5, 19.25), (255.0, 2.0)]
    assert catalog.sources[0].columns["MAG_APER_2"] == pytest.approx(19.5)
    assert catalog.sources[1].columns["MAG_APER_1"] is None  # SExtractor's 99.0 "no flux" magnitude
    assert catalog.meta.columns["MAG_APER_1"].unit == "mag"
    assert catalog.sources[2].shape is not None and catalog.sources[2].shape.flags == 16
    assert "CTYPE1  = 'RA---TAN'" in catalog.meta.extra["image_header"]


def test_ldac_with_only_sky_columns_carries_ra_dec_and_no_pixels() -> None:
    objects = fits.BinTableHDU.from_columns([
        fits.Column(name="ALPHA_J2000", format="D", unit="deg", array=np.array([150.1, 150.2])),
        fits.Column(name="DELTA_J2000", format="D", unit="deg", array=np.array([2.2, 2.3])),
    ], name="LDAC_OBJECTS")
    catalog = read_sextractor(_ldac(objects))
    assert catalog.ids() == ["1", "2"]
    assert [(s.x, s.ra, s.dec) for s in catalog] == [(None, 150.1, 2.2), (None, 150.2, 2.3)]


HEADER = "#   1 NUMBER   Running object number\n#   2 X_IMAGE  Object position along x  [pixel]\n" \
         "#   3 Y_IMAGE  Object position along y  [pixel]\n#   4 MAG_APER  Fixed aperture magnitude vector  [mag]\n"


@pytest.mark.parametrize("body, line, reason", [
    ("1 10.0 20.0 19.0 18.0\n2 11.0 21.0 19.5\n3 12.0 22.0 19.0 18.0\n", 6, "expected 5 columns, found 4"),
    ("1 10.0 20.0 19.0 18.0\n2 11.0 abc 19.5 18.0\n", 6, "column 3 (Y_IMAGE) holds 'abc'"),
    ("1 10.0 20.0 19.0 18.0\n1 11.0 21.0 19.5 18.0\n", 6, "source id '1' repeats"),
    ("", 1, "no data rows"),
])
def test_bad_ascii_rows_name_their_line(body: str, line: int, reason: str) -> None:
    with pytest.raises(CatalogFormatError) as info:
        read_sextractor((HEADER + body).encode())
    assert info.value.line == line and reason in str(info.value)
    assert str(info.value).startswith(f"line {line}: ")


@pytest.mark.parametrize("content, line, reason", [
    (b"", 1, "empty"),
    (b"   \n\n", 1, "empty"),
    (b"#  1 NUMBER\n1\n\x00\x01\x02garbage\xff", 3, "binary data"),
    (b"1 2 3\n4 5 6\n", 1, "no '#   1 NUMBER"),
])
def test_unusable_files(content: bytes, line: int, reason: str) -> None:
    with pytest.raises(CatalogFormatError) as info:
        read_sextractor(content)
    assert info.value.line == line and reason in str(info.value)


def test_explicit_position_columns_must_exist() -> None:
    with pytest.raises(CatalogFormatError, match="XWIN_IMAGE, YWIN_IMAGE are not in the catalogue"):
        read_sextractor((HEADER + "1 10.0 20.0 19.0 18.0\n").encode(), position_columns=("XWIN_IMAGE", "YWIN_IMAGE"))


def test_hundred_thousand_rows_import_in_seconds() -> None:
    rng = np.random.default_rng(0)
    rows = np.column_stack([np.arange(1, 100_001), rng.uniform(1, 4096, (100_000, 2)), rng.uniform(18, 25, 100_000),
                            rng.uniform(18, 25, 100_000)])
    body = "\n".join(f"{int(r[0])} {r[1]:.4f} {r[2]:.4f} {r[3]:.3f} {r[4]:.3f}" for r in rows)
    start = time.perf_counter()
    catalog = read_sextractor((HEADER + body + "\n").encode())
    elapsed = time.perf_counter() - start
    assert len(catalog) == 100_000 and catalog.sources[-1].id == "100000"
    assert catalog.sources[-1].x == pytest.approx(round(rows[-1, 1], 4) - 1)
    assert elapsed < 10.0, f"100k rows took {elapsed:.1f} s"
