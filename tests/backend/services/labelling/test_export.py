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
