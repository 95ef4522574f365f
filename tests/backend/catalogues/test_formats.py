"""Format detection and the single read / export entry points the web layer calls."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import pytest
from astropy.table import Table

from backend.catalogues import table_export
from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.formats import EXPORTS, detect_format, export_catalog, export_chunks, read_catalog
from backend.catalogues.geometry import polygon
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import CatalogMeta, Label, Source, SourceCatalog
from tests.conftest import shared_file

LEGUS_NGC4449 = "legus/hlsp_legus_hst_acs-wfc3_ngc4449_multiband_v2_padagb-mwext-avgapcor.tab"


@pytest.mark.parametrize("name, head, expected", [
    ("x.cat", b"#   1 NUMBER  Running object number\n", "sextractor"),
    ("x.fits", b"SIMPLE  =  T ... XTENSION LDAC_OBJECTS", "sextractor"),
    ("x.fits", b"SIMPLE  =  T ... XTENSION", "fits"),
    ("x.ecsv", b"# %ECSV 1.0\n", "ecsv"),
    ("x.xml", b'<?xml version="1.0"?>\n<VOTABLE version="1.4">', "votable"),
    ("x.json", b'  {"type": "FeatureCollection"}', "geojson"),
    ("x.reg", b"image\ncircle(1,2,3)\n", "ds9"),
    ("regions.txt", b"# Region file format: DS9 version 4.1\n", "ds9"),
    ("catalogue.tab", b"1 2.0 3.0 150.0 2.0\n", "legus"),
    ("sources.txt", b"id,x,y\n1,2,3\n", "csv"),
])
def test_detect_format(name: str, head: bytes, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_detect_format_refuses_to_guess() -> None:
    with pytest.raises(CatalogFormatError, match="cannot tell the catalogue format"):
        detect_format("numbers.dat", b"1 2 3\n")


def test_uploaded_legus_bytes_use_the_file_name_for_the_layout() -> None:
    path = shared_file(LEGUS_NGC4449)
    catalog = read_catalog(path.read_bytes(), name=Path(LEGUS_NGC4449).name)
    assert catalog.meta.format == "legus" and catalog.meta.extra["layout"] == "ngc4449"
    assert catalog.meta.source_file == Path(LEGUS_NGC4449).name
    assert sum(len(s.labels) for s in catalog) == 143 + 282 + 182 + 874


def test_real_sextractor_catalogue_by_path() -> None:
    assert len(read_catalog(shared_file("sextractor_pair/image.cat"))) == 65


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_every_export_reads_back(fmt: str, labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    data, spec = export_catalog(labelled_catalog, fmt, provenance)
    assert isinstance(data, bytes) and spec.extension.startswith(".") and "/" in spec.media_type
    back = read_catalog(data, name=f"export{spec.extension}")
    assert back.ids() == labelled_catalog.ids()


def test_unknown_formats_are_named() -> None:
    with pytest.raises(CatalogFormatError, match="unknown catalogue format 'xls'"):
        read_catalog(b"id,x,y\n1,2,3\n", fmt="xls")
    with pytest.raises(CatalogExportError, match="unknown export format 'xls'"):
        export_catalog(SourceCatalog([], CatalogMeta(format="t")), "xls", Provenance())


def one_huge_polygon_and_many_points(n: int) -> SourceCatalog:
    """A 1,000-vertex outline (a ~30 kB geometry cell) among ``n`` labelled point sources."""
    ring = [(500 + 300 * math.cos(2 * math.pi * k / 1000), 500 + 300 * math.sin(2 * math.pi * k / 1000))
            for k in range(1000)]
    huge = Source("huge", 500.0, 500.0, 150.0, 2.0, geometry=polygon(ring), columns={"mag": 20.0, "note": "outline"},
                  labels=[Label("alice", "1")])
    points = [Source(str(i), float(i % 1000), float(i // 1000), 150 + i * 1e-5, 2 + i * 1e-5,
                     columns={"mag": 21.0 + i * 1e-4, "note": "n"}, labels=[Label("alice", "2"), Label("bob", "1")])
              for i in range(n)]
    return SourceCatalog([huge, *points], CatalogMeta(format="test", layer_kind="annotation"))


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_an_export_uses_memory_of_its_output_whatever_the_longest_string(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fixed-width text columns made every row as wide as the one outline (4 GB for 36,000 rows); now the peak
    is a small multiple of the output plus a bound per row, the text formats stream in chunks, and the
    file still reads back (astropy for the tables, our readers for all, in memory of the same order) with the
    outline whole."""
    n = 3000
    monkeypatch.setattr(table_export, "CHUNK_ROWS", 500)
    catalog = one_huge_polygon_and_many_points(n)
    tracemalloc.start()
    try:
        chunks, spec = export_chunks(catalog, fmt, Provenance(image="m51"))
        path = tmp_path / f"out{spec.extension}"
        largest = 0
        with path.open("wb") as out:
            for chunk in chunks:
                largest = max(largest, len(chunk))
                out.write(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert peak < 4 * size + 1500 * n, f"{fmt}: peak {peak / 2**20:.1f} MB for {size / 2**20:.2f} MB of output"
    if fmt not in ("fits", "votable"):
        assert largest < size / 2, f"{fmt} is not streamed: one chunk of {largest} bytes in {size}"
    if fmt in ("ecsv", "fits", "votable"):
        table = Table.read(path, format={"ecsv": "ascii.ecsv", "fits": "fits", "votable": "votable"}[fmt])
        assert len(table) == n + 1
    tracemalloc.start()
    try:
        back = read_catalog(path, {"geojson-sky": "geojson", "ds9-fk5": "ds9"}.get(fmt, fmt))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(back) == n + 1
    assert peak < 4 * size + 6000 * n, f"reading {fmt} back: peak {peak / 2**20:.1f} MB for {size} bytes"
    if fmt in ("ecsv", "fits", "votable", "csv", "geojson"):
        assert back.sources[0].geometry == catalog.sources[0].geometry
