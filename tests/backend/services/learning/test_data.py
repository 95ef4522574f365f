"""What the learning loop reads (backend/services/learning/data.py): sources as columns, duplicates within
1 px as one row, rows found by position, the label state's key, the band arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.db.tables import Image
from backend.errors import ConflictError, NotFoundError
from backend.services.images.store import ingest_image
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.projects import create_project
from backend.services.learning.data import (
    PositionIndex,
    catalogue_layer_ids,
    deduplicate,
    image_sources,
    label_state,
    read_bands,
    scheme_classes,
    sources_key,
)
from backend.settings import Settings
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources
from tiles.ingest import BandInput


def test_image_sources_are_columns_in_layer_then_id_order(sessions: sessionmaker[Session], image_id: int) -> None:
    first, (a, b) = add_sources(sessions, image_id, [(10, 20), (30, 40)], name="first")
    second, (c,) = add_sources(sessions, image_id, [(5, 6)], name="second")
    save_annotation(sessions, image_id, "alice", "2", source_id=b)
    save_annotation(sessions, image_id, "bob", "2", source_id=b)
    with sessions() as session:
        table = image_sources(session, image_id)
        assert table.ids.tolist() == [a, b, c] and table.ids.dtype == np.int64
        assert table.x.tolist() == [10, 30, 5] and table.y.tolist() == [20, 40, 6]
        assert table.label == [None, "2", None] and table.n_votes.tolist() == [0, 2, 0]
        assert len(table) == 3
        assert image_sources(session, image_id, [second]).ids.tolist() == [c]
        taken = table.take(np.array([2, 0]))
        assert taken.ids.tolist() == [c, a] and taken.label == [None, None] and taken.x.tolist() == [5, 10]
        empty = image_sources(session, add_image(sessions, name="empty"))
        assert len(empty) == 0 and empty.x.dtype == np.float64
        with pytest.raises(NotFoundError, match="no layer"):
            image_sources(session, image_id, [first + 100])


def test_picked_layers_are_not_catalogue_layers(sessions: sessionmaker[Session], image_id: int) -> None:
    det, _ = add_sources(sessions, image_id, [(1, 1)], name="det")
    add_sources(sessions, image_id, [(1, 1)], name="picked", kind="picked")
    ref, _ = add_sources(sessions, image_id, [(1, 1)], name="ref", kind="reference")
    with sessions() as session:
        assert sorted(catalogue_layer_ids(session, image_id)) == [det, ref]


def test_sources_key_follows_ids_and_positions() -> None:
    from backend.services.learning.data import SourceTable

    def table(x: list[float]) -> SourceTable:
        return SourceTable(np.arange(len(x), dtype=np.int64), np.asarray(x, dtype=np.float64),
                           np.zeros(len(x)), [None] * len(x), np.zeros(len(x), dtype=np.int64))

    assert sources_key(table([1.0, 2.0])) == sources_key(table([1.0, 2.0]))
    assert sources_key(table([1.0, 2.0])) != sources_key(table([1.0, 2.5]))  # a moved source
    assert sources_key(table([1.0, 2.0])).startswith("2:") and sources_key(table([])).startswith("0:")


def test_deduplicate_keeps_the_first_of_each_chain() -> None:
    x = np.array([0.0, 0.9, 1.8, 10.0, 10.5, 50.0])
    y = np.zeros(6)
    assert deduplicate(x, y).tolist() == [0, 3, 5]  # 0-0.9-1.8 chain into one group though 0 and 1.8 are 1.8 apart
    assert deduplicate(x[::-1].copy(), y).tolist() == [0, 1, 3]  # the first in the given order stays
    assert deduplicate(np.array([0.0, 1.0]), np.zeros(2)).tolist() == [0]  # 1 px apart: the same object
    assert deduplicate(np.array([0.0, 1.01]), np.zeros(2)).tolist() == [0, 1]
    assert deduplicate(np.array([3.0]), np.array([4.0])).tolist() == [0]
    assert deduplicate(np.zeros(0), np.zeros(0)).tolist() == []
    assert deduplicate(np.array([0.0, 5.0]), np.zeros(2), radius=6.0).tolist() == [0]


def test_position_index_finds_the_nearest_row_within_the_radius() -> None:
    index = PositionIndex(np.array([0.0, 10.0, 20.0]), np.array([0.0, 0.0, 0.0]))
    rows = index.rows(np.array([0.2, 10.0, 19.0, 15.0, 30.0]), np.array([0.3, 0.0, 0.0, 0.0, 0.0]))
    assert rows.tolist() == [0, 1, 2, -1, -1] and rows.dtype == np.int64
    assert PositionIndex(np.zeros(0), np.zeros(0)).rows(np.array([1.0]), np.array([1.0])).tolist() == [-1]
    assert index.rows(np.zeros(0), np.zeros(0)).tolist() == []
    assert PositionIndex(np.array([0.0]), np.array([0.0]), radius=5.0).rows(np.array([4.0]), np.array([3.0])).tolist() \
        == [0]  # exactly on the radius counts


def test_scheme_classes_follow_the_image_s_project(sessions: sessionmaker[Session], image_id: int) -> None:
    with session_scope(sessions) as session:
        assert scheme_classes(session, image_id) == ["1", "2", "3", "4"]
        project = create_project(session, "morph", {"classes": [{"id": "S"}, {"id": "E"}]})
        session.get_one(Image, image_id).project_id = project.id
    with sessions() as session:
        assert scheme_classes(session, image_id) == ["S", "E"]  # scheme order, not sorted


def test_the_label_state_key_changes_with_every_label(sessions: sessionmaker[Session], image_id: int) -> None:
    _, (a, b) = add_sources(sessions, image_id, [(1, 1), (5, 5)])
    keys = []

    def state() -> tuple[dict[int, str], str]:
        with sessions() as session:
            found = label_state(session, image_id)
        keys.append(found.key)
        return found.labels, found.key

    assert state() == ({}, "0:0")
    save_annotation(sessions, image_id, "alice", "1", source_id=a)
    assert state()[0] == {a: "1"}
    save_annotation(sessions, image_id, "alice", "3", source_id=a)  # changed: same count, new key
    assert state()[0] == {a: "3"}
    save_annotation(sessions, image_id, "alice", None, source_id=a)  # retracted
    assert state()[0] == {}
    save_annotation(sessions, image_id, "bob", "2", source_id=b)
    assert state()[0] == {b: "2"}
    assert len(set(keys)) == len(keys)


def test_read_bands_gives_fits_oriented_arrays(settings: Settings, sessions: sessionmaker[Session],
                                               small_bands: dict[str, Path]) -> None:
    image_id = ingest_image(settings, sessions, "field", [BandInput(n, p) for n, p in small_bands.items()])
    with sessions() as session:
        arrays, names = read_bands(session, settings.data_dir, image_id)
    assert names == ["F435W", "F555W", "F814W"]
    assert all(a.shape == (48, 64) and a.dtype == np.float32 for a in arrays)
    assert all(np.unravel_index(np.argmax(a), a.shape) == (15, 37) for a in arrays)  # row = 0-based FITS y
    with sessions() as session, pytest.raises(ConflictError, match="has no bands to cut sources from"):
        read_bands(session, settings.data_dir, add_image(sessions, name="rowonly"))
