"""Labelling service: append-only versions, consensus, idempotent retries, retractions, drawn sources,
rounds, and two annotators labelling one source at the same moment (SQLite in WAL mode, two threads)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues import CatalogMeta, Source, SourceCatalog
from backend.db.annotations import Annotation
from backend.db.session import session_scope
from backend.db.sources import Layer
from backend.db.sources import Source as DbSource
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.annotations import save_annotation, source_history
from backend.services.labelling.annotators import close_round, open_round
from backend.services.labelling.layer_import import import_catalog
from tests.backend.labels_db import add_image, make_sessions


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_sessions(tmp_path / "db")


@pytest.fixture
def source_ids(sessions: sessionmaker[Session]) -> list[int]:
    """Three unlabelled sources on a 300x200 image (id 1)."""
    image_id = add_image(sessions)
    catalog = SourceCatalog([Source(str(i), 10.0 * i, 5.0 * i) for i in range(1, 4)], CatalogMeta(format="test"))
    with session_scope(sessions) as session:
        layer = import_catalog(session, image_id, catalog, name="det").layer
        return list(session.scalars(select(DbSource.id).where(DbSource.layer_id == layer.id).order_by(DbSource.id)))


def test_changing_a_label_appends_a_version(sessions: sessionmaker[Session], source_ids: list[int]) -> None:
    first = save_annotation(sessions, 1, "alice", "1", source_id=source_ids[0])
    second = save_annotation(sessions, 1, "alice", "2", source_id=source_ids[0])
    assert first.created and second.created
    assert second.annotation.supersedes_id == first.annotation.id
    assert (second.source.label_class, second.source.n_votes) == ("2", 1)
    with sessions() as session:
        history = source_history(session, source_ids[0])
        assert [(h["annotator"], h["class"], h["supersedes_id"]) for h in history] == [
            ("alice", "1", None), ("alice", "2", first.annotation.id)]
        assert session.get(DbSource, source_ids[0]).label_class == "2"  # type: ignore[union-attr]


def test_a_retried_client_key_returns_the_original(sessions: sessionmaker[Session], source_ids: list[int]) -> None:
    key = str(uuid.uuid4())
    first = save_annotation(sessions, 1, "alice", "3", client_key=key, source_id=source_ids[1])
    again = save_annotation(sessions, 1, "alice", "3", client_key=key, source_id=source_ids[1])
    assert first.created and not again.created and again.annotation.id == first.annotation.id
    with sessions() as session:
        assert session.scalar(select(func.count(Annotation.id))) == 1
    with pytest.raises(InputError, match="already used for a label on image 1"):
        save_annotation(sessions, 2, "alice", "3", client_key=key, source_id=source_ids[1])


def test_retraction_removes_the_vote(sessions: sessionmaker[Session], source_ids: list[int]) -> None:
    save_annotation(sessions, 1, "alice", "1", source_id=source_ids[0])
    save_annotation(sessions, 1, "bob", "4", source_id=source_ids[0])
    undone = save_annotation(sessions, 1, "bob", None, source_id=source_ids[0])
    assert undone.annotation.class_ is None
    assert (undone.source.label_class, undone.source.n_votes) == ("1", 1)
    with pytest.raises(InputError, match="nothing to retract: 'bob'"):
        save_annotation(sessions, 1, "bob", None, source_id=source_ids[0])
    with pytest.raises(InputError, match="nothing to retract"):
        save_annotation(sessions, 1, "carol", None, source_id=source_ids[1])


def test_labels_are_checked(sessions: sessionmaker[Session], source_ids: list[int]) -> None:
    with pytest.raises(InputError, match="class '7' is not in the label scheme 'LEGUS': use one of 1, 2, 3, 4"):
        save_annotation(sessions, 1, "alice", "7", source_id=source_ids[0])
    with pytest.raises(NotFoundError, match="image 1 has no source with id 999"):
        save_annotation(sessions, 1, "alice", "1", source_id=999)
    with pytest.raises(InputError, match="give a source_id"):
        save_annotation(sessions, 1, "alice", "1")
    with pytest.raises(InputError, match="non-empty name"):
        save_annotation(sessions, 1, " ", "1", source_id=source_ids[0])
    with sessions() as session:
        assert session.scalar(select(func.count(Annotation.id))) == 0


def test_a_drawn_box_creates_a_source_at_its_centre(sessions: sessionmaker[Session], source_ids: list[int]) -> None:
    ring = [[100.0, 50.0], [110.0, 50.0], [110.0, 70.0], [100.0, 70.0]]
    saved = save_annotation(sessions, 1, "alice", "2", geometry={"type": "Polygon", "coordinates": [ring]})
    point = save_annotation(sessions, 1, "bob", "1", geometry={"type": "Point", "coordinates": [3.0, 4.0]})
    assert (saved.source.x, saved.source.y) == (105.0, 60.0) and saved.source.label_class == "2"
    assert saved.annotation.geometry["bbox"] == [100.0, 50.0, 110.0, 70.0]  # axis-aligned: a box
    with sessions() as session:
        layer = session.get(Layer, saved.source.layer_id)
        assert layer is not None and (layer.name, layer.kind, layer.n_sources) == ("annotations", "annotation", 2)
        assert point.source.layer_id == layer.id and saved.source.catalog_id == str(saved.source.id)
    with pytest.raises(InputError, match="outside the 300x200 image"):
        save_annotation(sessions, 1, "bob", "1", geometry={"type": "Point", "coordinates": [350.0, 4.0]})
    with pytest.raises(InputError, match="at least 3 distinct vertices"):
        save_annotation(sessions, 1, "bob", "1", geometry={"type": "Polygon", "coordinates": [[[1, 1], [2, 2]]]})


def test_labels_join_the_open_round(sessions: sessionmaker[Session], source_ids: list[int]) -> None:
    assert save_annotation(sessions, 1, "alice", "1", source_id=source_ids[0]).annotation.round_id is None
    with session_scope(sessions) as session:
        first = open_round(session, 1)
    saved = save_annotation(sessions, 1, "alice", "2", source_id=source_ids[0])
    assert saved.annotation.round_id == first.id and first.number == 1
    with session_scope(sessions) as session:
        close_round(session, first.id)
        second = open_round(session, 1, "after retraining")
    assert second.number == 2
    with pytest.raises(ConflictError, match="is closed"):
        save_annotation(sessions, 1, "alice", "3", source_id=source_ids[0], round_id=first.id)


def test_two_annotators_at_once_both_keep_their_labels(sessions: sessionmaker[Session],
                                                       source_ids: list[int]) -> None:
    """Each annotator changes their label 15 times on the same source while the other does the same."""
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def label(name: str, classes: list[str]) -> None:
        try:
            start.wait()
            for class_ in classes:
                save_annotation(sessions, 1, name, class_, client_key=str(uuid.uuid4()), source_id=source_ids[2])
        except BaseException as error:  # noqa: BLE001 -- reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=label, args=("alice", ["1", "2", "3"] * 5)),
               threading.Thread(target=label, args=("bob", ["4", "3", "1"] * 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with sessions() as session:
        history = source_history(session, source_ids[2])
        source = session.get(DbSource, source_ids[2])
    assert len(history) == 30
    for name, last in (("alice", "3"), ("bob", "1")):
        mine = [h for h in history if h["annotator"] == name]
        assert len(mine) == 15 and mine[-1]["class"] == last
        assert [h["supersedes_id"] for h in mine[1:]] == [h["id"] for h in mine[:-1]]  # an unbroken chain
    assert source is not None and source.n_votes == 2
    assert source.label_class is None  # tie 3 vs 1: no consensus (the one rule of backend.catalogues.votes)
