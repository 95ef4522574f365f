"""CSV import with auto-detected or explicit column mappings, its errors, and the CSV export round trip."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from backend.catalogues.csvtable import read_csv, write_csv
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.mapping import ColumnMapping
from backend.catalogues.provenance import Provenance
from backend.catalogues.sextractor import read_sextractor
from backend.catalogues.table import Label, SourceCatalog
from tests.conftest import shared_file


def test_common_names_are_detected() -> None:
    text = "# exported by a notebook\nID,RAJ2000,DEJ2000,Class,annotator,flux\n" \
           "a,150.1,2.2,1,alice,3.5\nb,150.2,2.3,,,\n"
    catalog = read_csv(text.encode())
    assert catalog.ids() == ["a", "b"]
    a, b = catalog.sources
    assert (a.ra, a.dec, a.x) == (150.1, 2.2, None)
    assert a.labels == [Label("alice", "1")] and b.labels == []
    assert a.columns == {"flux": 3.5} and b.columns == {"flux": None}


def test_latin1_spreadsheet_export_is_read() -> None:
    catalog = read_csv("id,x,y,field\n1,2,3,Caf\xe9\n".encode("latin-1"))
    assert catalog.sources[0].columns["field"] == "Caf\xe9"


def test_sextractor_names_are_one_based_unless_told() -> None:
    text = "NUMBER;X_IMAGE;Y_IMAGE\n1;1.0;1.0\n2;10.5;3.0\n"
    auto = read_csv(text.encode())
    assert [(s.x, s.y) for s in auto] == [(0.0, 0.0), (9.5, 2.0)]
    assert auto.meta.notes == ["pixel columns X_IMAGE, Y_IMAGE read as 1-based"]
    told = read_csv(text.encode(), ColumnMapping(pixel_origin=0))
    assert told.sources[1].x == 10.5


def test_explicit_mapping_and_tab_separator() -> None:
    text = "name\tcol\trow\tverdict\n17\t4\t5\tcluster\n"
    catalog = read_csv(text.encode(), ColumnMapping(id="name", x="col", y="row", class_="verdict"),
                       default_annotator="importer")
    source = catalog.sources[0]
    assert (source.id, source.x, source.y) == ("17", 4.0, 5.0)
    assert source.labels == [Label("importer", "cluster")]


def test_real_sextractor_catalogue_through_csv() -> None:
    original = read_sextractor(shared_file("sextractor_pair/image.cat"))
    rows = ["NUMBER,X_IMAGE,Y_IMAGE,FLUX_AUTO"] + [
        f"{s.id},{s.columns['X_IMAGE']},{s.columns['Y_IMAGE']},{s.columns['FLUX_AUTO']}" for s in original]
    catalog = read_csv("\n".join(rows).encode())
    assert len(catalog) == 65
    np.testing.assert_allclose(catalog.pixel_positions(), original.pixel_positions(), atol=1e-9)


@pytest.mark.parametrize("text, mapping, line, reason", [
    ("id,x,y\n1,2,3\n", ColumnMapping(ra="RAJ2000", dec="DEJ2000"), 1, "names column 'RAJ2000' for ra"),
    ("id,flux\n1,2\n", None, 1, "no position columns"),
    ("id,x,y\n1,2,3\n2,4\n", None, 3, "expected 3 fields (as in the header), found 2"),
    ("id,x,y\n1,2,3\n2,four,5\n", None, 3, "column 'x' holds 'four', which is not a number"),
    ("id,x,y\n1,2,3\n1,4,5\n", None, 3, "source id '1' repeats"),
    ("id,x,y\n1,2,3\n,4,5\n", None, 3, "column 'id' (the source id) is empty"),
    ("id,x,x\n1,2,3\n", None, 1, "column name 'x' twice"),
    ("id,x,y\n", None, 1, "no data rows"),
    ("", None, 1, "empty"),
    ("id,x,y\n1,2,3\n\x00\x01\x02\n", None, 3, "binary data"),
])
def test_bad_csv_names_its_line(text: str, mapping: ColumnMapping | None, line: int, reason: str) -> None:
    with pytest.raises(CatalogFormatError) as info:
        read_csv(text.encode("latin-1"), mapping)
    assert info.value.line == line and reason in str(info.value)


def test_round_trip(labelled_catalog: SourceCatalog, provenance: Provenance,
                    same_sources: Callable[..., None]) -> None:
    text = write_csv(labelled_catalog, provenance)
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["id", "x", "y", "ra", "dec", "class"]
    assert {"class_alice", "class_bob", "class_Jane Doe"} <= set(header)
    back = read_csv(text.encode())
    assert back.meta.notes == ["pixel columns x, y read as 0-based"]
    # CSV carries current votes; outlines in the geometry column, shapes in shape_* columns
    same_sources(labelled_catalog, back, votes_only=True)
