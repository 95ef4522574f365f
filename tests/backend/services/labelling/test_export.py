"""Database -> SourceCatalog for export: votes with their time and round, retracted votes left out, one
layer keeps the catalogue's ids, several layers use database ids with layer and catalog_id columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues import CatalogMeta, ColumnInfo, Provenance, Source, SourceCatalog, geojson_document
from backend.db.session import session_scope
from backend.errors import NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.annotators import open_round
from backend.services.labelling.export import image_catalog
from backend.services.labelling.layer_import import import_catalog
from tests.backend.labels_db import add_image, make_sessions


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    sessions = make_sessions(tmp_path / "db")
    add_image(sessions)
    meta = CatalogMeta(format="test", columns={"mag": ColumnInfo("mag", "V magnitude")})
    with session_scope(sessions) as session:
        for name in ("a", "b"):
            catalog = SourceCatalog([Source("7", 10.0, 20.0, columns={"mag": 21.0}), Source("8", 30.0, 40.0)], meta)
            import_catalog(session, 1, catalog, name=name)  # sources 1, 2 in layer 1; 3, 4 in layer 2
        open_round(session, 1)
    return sessions


def test_current_votes_with_time_and_round(sessions: sessionmaker[Session]) -> None:
    save_annotation(sessions, 1, "alice", "1", source_id=1)
    save_annotation(sessions, 1, "bob", "2", source_id=1)
    save_annotation(sessions, 1, "alice", "3", source_id=1)
    save_annotation(sessions, 1, "carol", "4", source_id=2)
    save_annotation(sessions, 1, "carol", None, source_id=2)
    with sessions() as session:
        catalog = image_catalog(session, 1, [1])
    first, second = catalog.sources
    assert (first.id, first.x, first.columns, second.id) == ("7", 10.0, {"mag": 21.0}, "8")
    assert [(lb.annotator, lb.class_, lb.round) for lb in first.labels] == [
        ("alice", "1", 1), ("bob", "2", 1), ("alice", "3", 1)]
    assert all(lb.time is not None and lb.time.tzinfo is not None for lb in first.labels)
    assert second.labels == []  # carol retracted her only vote
    assert catalog.meta.columns["mag"].unit == "mag"
    feature = geojson_document(catalog, Provenance())["features"][0]
    assert [lb["round"] for lb in feature["properties"]["labels"]] == [1, 1, 1]


def test_several_layers_use_database_ids(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        catalog = image_catalog(session, 1)
        with pytest.raises(NotFoundError, match="image 1 has no layer"):
            image_catalog(session, 1, [1, 9])
    assert catalog.ids() == ["1", "2", "3", "4"]
    assert [(s.columns["layer"], s.columns["catalog_id"]) for s in catalog] == [
        ("a", "7"), ("a", "8"), ("b", "7"), ("b", "8")]


def test_ds9_draws_detection_ellipses_at_their_outline_and_ecsv_units_read_cleanly(tmp_path: Path) -> None:
    """Defects: a sep detection's A/B are RMS extents (0.6 x 0.4 px here), so the DS9 export drew ellipses
    under a pixel; and a unit astropy does not know ("detection-image units") warned on reading the ECSV."""
    import warnings

    from astropy.table import Table

    from backend.catalogues import Shape
    from backend.services.labelling.export import export_image

    sessions = make_sessions(tmp_path / "db")
    add_image(sessions)
    meta = CatalogMeta(format="sep", columns={"flux": ColumnInfo("detection-image units", "isophotal flux"),
                                              "mag_V": ColumnInfo("mag", "V")})
    catalog = SourceCatalog([Source("1", 10.0, 20.0, shape=Shape(a=0.6, b=0.4, theta=30.0),
                                    columns={"flux": 5.0, "mag_V": 21.0})], meta)
    with session_scope(sessions) as session:
        import_catalog(session, 1, catalog, name="sep")
    with sessions() as session:
        ds9 = export_image(session, 1, "ds9").content.decode()
        ecsv = export_image(session, 1, "ecsv").content
    line = next(ln for ln in ds9.splitlines() if ln.startswith("ellipse("))
    a, b = (float(v) for v in line[len("ellipse("):].split(")")[0].split(",")[2:4])
    assert (a, b) == pytest.approx((1.8, 1.2))
    path = tmp_path / "out.ecsv"
    path.write_bytes(ecsv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = Table.read(path, format="ascii.ecsv")
    assert table["flux"].unit is None and "detection-image units" in table["flux"].description
    assert str(table["mag_V"].unit) == "mag" and table["shape_a"][0] == pytest.approx(0.6)  # the table keeps RMS
