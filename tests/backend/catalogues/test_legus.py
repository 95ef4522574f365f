"""LEGUS reader on all 26 public catalogues: counts checked against an independent numpy reading of each
file's class column (column numbers from ../shared/data/README.md, not from the layouts module)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.legus import read_legus
from backend.catalogues.legus_layouts import custom_layout, field_name
from backend.catalogues.table import SourceCatalog

# field -> (1-based class-mode column, mode values meaning "never inspected", 1-based x column)
README_CLASS_COLUMNS: dict[str, tuple[int, set[int], int]] = {
    "ngc1313-e": (36, {0}, 4), "ngc3351": (35, {0}, 2), "ngc4242": (35, {0}, 2), "ngc45": (35, {0}, 2),
    "ngc4449": (34, {0, 5}, 2), "ngc1566": (36, {0}, 2), "eso486-g021": (34, {0}, 2),
}
STANDARD = (34, {0}, 2)
_CACHE: dict[Path, SourceCatalog] = {}
_RAW: dict[Path, np.ndarray] = {}


def legus_files(shared: Path) -> list[Path]:
    files = sorted((shared / "legus").glob("hlsp_legus_*.tab"))
    if len(files) != 26:
        pytest.skip(f"expected the 26 LEGUS catalogues in {shared / 'legus'}, found {len(files)}")
    return files


def raw_values(path: Path) -> np.ndarray:
    """The file as numpy reads it, independently of the reader under test."""
    if path not in _RAW:
        _RAW[path] = np.array(path.read_text().split(), dtype=float).reshape(-1, len(path.open().readline().split()))
    return _RAW[path]


def load(path: Path) -> SourceCatalog:
    if path not in _CACHE:
        _CACHE[path] = read_legus(path)
    return _CACHE[path]


def test_every_file_loads_with_its_human_class_counts(shared_data: Path) -> None:
    total = 0
    for path in legus_files(shared_data):
        raw = raw_values(path)
        column, uninspected, _ = README_CLASS_COLUMNS.get(field_name(path.name) or "", STANDARD)
        mode = raw[:, column - 1]
        expected = Counter(str(int(v)) for v in mode if v in (1, 2, 3, 4) and v not in uninspected)
        catalog = load(path)
        got = Counter(label.class_ for source in catalog for label in source.labels)
        assert len(catalog) == len(raw), path.name
        assert got == expected, path.name
        assert {label.annotator for s in catalog for label in s.labels} <= {"LEGUS"}
        assert catalog.meta.layer_kind == "reference"
        total += sum(got.values())
    assert 6500 < total < 7500  # "about 7,000 sources carry a human class" (README)


def test_positions_are_zero_based_and_ids_kept(shared_data: Path) -> None:
    for path in legus_files(shared_data):
        raw = raw_values(path)
        x_column = README_CLASS_COLUMNS.get(field_name(path.name) or "", STANDARD)[2]
        catalog = load(path)
        xy = catalog.pixel_positions()
        np.testing.assert_allclose(xy[:, 0], raw[:, x_column - 1] - 1.0, err_msg=path.name)
        np.testing.assert_allclose(xy[:, 1], raw[:, x_column] - 1.0, err_msg=path.name)
        np.testing.assert_allclose(catalog.sky_positions(), raw[:, x_column + 1:x_column + 3], err_msg=path.name)
        assert catalog.ids()[:3] == [str(int(v)) for v in raw[:3, 0]]


def test_sentinel_magnitudes_are_missing_with_their_reason(shared_data: Path) -> None:
    seen = Counter()
    for path in legus_files(shared_data):
        raw = raw_values(path)
        shift = 2 if field_name(path.name) == "ngc1313-e" else 0
        catalog = load(path)
        for band_index, band in enumerate(("NUV", "U", "B", "V", "I")):
            raw_mag = raw[:, 5 + shift + 2 * band_index]
            mags = [s.columns[f"mag_{band}"] for s in catalog]
            reasons = [s.columns[f"mag_{band}_missing"] for s in catalog]
            assert all(m is None or (m != 99.999 and m != 66.666) for m in mags), path.name
            undetected = np.isclose(raw_mag, 99.999)
            outside = np.isclose(raw_mag, 66.666)
            assert [m is None for m in mags] == list(undetected | outside), (path.name, band)
            assert reasons.count("not detected") == undetected.sum()
            assert reasons.count("outside footprint") == outside.sum()
            seen["not detected"] += int(undetected.sum())
            seen["outside footprint"] += int(outside.sum())
    assert seen["not detected"] > 0 and seen["outside footprint"] > 0


def test_mean_class_kept_and_odd_class_reported(shared_data: Path) -> None:
    files = {field_name(p.name): p for p in legus_files(shared_data)}
    ngc628 = load(files["ngc628-e"])
    raw = raw_values(files["ngc628-e"])
    assert [s.columns["mean_class"] for s in ngc628] == pytest.approx(raw[:, 34].tolist())
    ngc4242 = load(files["ngc4242"])
    assert any("class outside [1, 2, 3, 4]" in note and "(50)" in note for note in ngc4242.meta.notes)
    ngc4449 = load(files["ngc4449"])  # class 5 there means "never inspected": no label
    assert ngc4449.meta.extra["layout"] == "ngc4449"
    assert "machine_class" in ngc4449.sources[0].columns


def test_no_sed_fit_placeholders_become_missing(shared_data: Path) -> None:
    path = next(p for p in legus_files(shared_data) if field_name(p.name) == "ic4247")
    raw = raw_values(path)
    catalog = load(path)
    unfitted = raw[:, 31] == 200.0
    assert unfitted.any()
    for source, flag in zip(catalog, unfitted, strict=True):
        if flag:
            assert source.columns["q_prob"] is None and source.columns["ebv_best"] is None
    assert any("no SED fit" in note for note in catalog.meta.notes)


ROW = " ".join(["1", "101.0", "201.0", "150.0", "2.0"] + ["20.0"] * 28 + ["2", "2.0"])


@pytest.mark.parametrize("text, line, reason", [
    (f"{ROW}\n{ROW.replace('1 ', '2 ', 1)}\n3 4 5\n", 3, "expected 35 columns, found 3"),
    (f"{ROW}\n{ROW.replace(' 20.0', ' nan?', 1).replace('1 ', '2 ', 1)}\n", 2, "'nan?', which is not a number"),
    (f"{ROW}\n{ROW}\n", 2, "source id '1' repeats"),
    ("", 1, "empty"),
])
def test_bad_rows_name_their_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(CatalogFormatError) as info:
        read_legus(text.encode())
    assert info.value.line == line and reason in str(info.value)


def test_binary_garbage_is_refused() -> None:
    with pytest.raises(CatalogFormatError, match="binary data") as info:
        read_legus(bytes(range(256)) * 4)
    assert info.value.line == 1


def test_layout_from_column_count_name_or_explicit_numbers() -> None:
    catalog = read_legus(f"{ROW}\n".encode())
    assert catalog.meta.extra["layout"] == "standard"
    assert catalog.sources[0].labels[0].class_ == "2" and catalog.sources[0].x == 100.0
    with pytest.raises(CatalogFormatError, match="unknown LEGUS layout 'nope'"):
        read_legus(f"{ROW}\n".encode(), layout="nope")
    moved = f"{ROW} 3\n"  # a 36th column holding the class instead
    explicit = read_legus(moved.encode(), layout=custom_layout(class_mode=36, class_mean=None))
    assert explicit.sources[0].labels[0].class_ == "3"
    assert explicit.sources[0].columns["col34"] == 2.0
    # 37 columns, class mode in 34 and no mean beside it: a known layout whatever the file is called (it
    # was refused: "37 columns and no known LEGUS field in the file name")
    no_mean = read_legus(f"{ROW} 0 0\n".encode())
    assert no_mean.meta.extra["layout"] == "standard-no-mean" and "no mean" in no_mean.meta.extra["layout_reason"]
    with pytest.raises(CatalogFormatError, match="columns 4-5 are not RA/Dec"):
        read_legus(f"{ROW.replace(' 2.0', ' 700.0', 1)} 0 0\n".encode())


def test_every_public_layout_is_found_from_the_contents_alone(shared_data: Path) -> None:
    """The 26 LEGUS files renamed to "catalogue.tab": the contents give the layout the field name gave."""
    from backend.catalogues.legus_layouts import detect_layout

    for path in legus_files(shared_data):
        catalog = read_legus(path.read_bytes(), file_name="catalogue.tab")
        ncols = len(path.read_text().split("\n", 1)[0].split())
        expected = detect_layout(path.name, ncols)
        assert expected is not None and catalog.meta.extra["layout"] == expected.name, path.name
        assert catalog.meta.extra["layout_reason"], path.name
