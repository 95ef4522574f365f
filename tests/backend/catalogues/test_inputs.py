"""Catalogue input: readers take a file from disk a line or an HDU at a time, so reading holds the catalogue,
not the file (measured with tracemalloc, which counts numpy buffers too), and bad text is refused by line."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from backend.catalogues import inputs, read_catalog
from backend.catalogues.errors import CatalogFormatError

PADDING_MB = 24


def peak_bytes(work: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def csv_with_long_comments(path: Path) -> Path:
    """24 MB of comment lines (an observing log pasted above the table), then a 50-row CSV."""
    with path.open("w") as out:
        line = "# " + "log " * 249 + "\n"  # 1,000 bytes
        for _ in range(PADDING_MB * 1024):
            out.write(line)
        out.write("x,y,mag\n")
        for i in range(50):
            out.write(f"{i},{i + 1},{20 + i / 10}\n")
    return path


def fits_with_an_image_first(path: Path) -> Path:
    """A 24 MB image HDU, then the 50-row catalogue table (as pipelines write an image and its detections)."""
    image = fits.PrimaryHDU(np.zeros((PADDING_MB * 1024, 256), dtype=np.float32))
    table = fits.table_to_hdu(Table({"x": np.arange(50.0), "y": np.arange(50.0) + 1, "mag": np.full(50, 21.0)}))
    fits.HDUList([image, table]).writeto(path)
    return path


@pytest.mark.parametrize(("build", "fmt"), [(csv_with_long_comments, "csv"), (fits_with_an_image_first, "fits")])
def test_reading_a_large_file_holds_far_less_than_the_file(
    tmp_path: Path, build: Callable[[Path], Path], fmt: str,
) -> None:
    path = build(tmp_path / f"big.{fmt}")
    size = path.stat().st_size
    assert size > PADDING_MB * 10**6
    catalog, peak = peak_bytes(lambda: read_catalog(path, name=path.name))  # format detected from the head
    assert len(catalog) == 50  # type: ignore[arg-type]
    assert peak < size / 8, f"peak {peak / 2**20:.1f} MB reading a {size / 2**20:.1f} MB {fmt} file"


def test_a_line_longer_than_the_limit_is_refused_with_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inputs, "MAX_LINE", 1000)
    path = tmp_path / "wide.csv"
    path.write_text("x,y,note\n1,2,ok\n3,4," + "n" * 5000 + "\n")
    with pytest.raises(CatalogFormatError, match=r"line 3: line longer than"):
        read_catalog(path, "csv")


def test_a_header_of_too_many_columns_is_refused_before_any_row_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(600)) + "\n" + "not,a,row\n")
    with pytest.raises(CatalogFormatError, match=r"line 1: the table has 600 columns: at most 500"):
        read_catalog(path, "csv")


def test_text_lines_refuse_binary_data_and_empty_files_and_keep_latin1(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match=r"line 2: binary data, not text"):
        list(inputs.text_lines(b"x,y\n1\x002\n", "a CSV table"))
    with pytest.raises(CatalogFormatError, match=r"the file is empty"):
        list(inputs.text_lines(b"\n  \n", "a CSV table"))
    assert list(inputs.text_lines("\ufeffx,y\n".encode() + "é,1\n".encode("latin-1"), "csv")) == ["x,y\n", "é,1\n"]
    with pytest.raises(CatalogFormatError, match="cannot read the file"):
        inputs.read_head(tmp_path / "missing.csv")
