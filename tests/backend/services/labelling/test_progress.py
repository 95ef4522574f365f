"""Labelling progress for the header (backend/services/labelling/progress.py): sources outside the picked
layer, the team's labelled count, and an annotator's own (their latest annotation a class)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.errors import NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.progress import labelling_progress
from tests.backend.services.conftest import add_sources


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


def progress(sessions: sessionmaker[Session], image_id: int, annotator: str | None) -> dict:
    with sessions() as session:
        return labelling_progress(session, image_id, annotator)


def test_counts_for_the_team_and_for_one_annotator(sessions: sessionmaker[Session], image_id: int) -> None:
    _, det = add_sources(sessions, image_id, [(1, 1), (5, 5), (9, 9), (13, 13)], name="det")
    _, picked = add_sources(sessions, image_id, [(5, 5)], name="picked", kind="picked")
    assert progress(sessions, image_id, "alice") == {"image_id": image_id, "sources": 4, "labelled": 0,
                                                     "annotator": "alice", "mine": 0}  # alice is not known yet
    save_annotation(sessions, image_id, "alice", "1", source_id=det[0])
    save_annotation(sessions, image_id, "alice", "2", source_id=det[0])  # a second version: still one source
    save_annotation(sessions, image_id, "alice", "1", source_id=det[1])
    save_annotation(sessions, image_id, "alice", None, source_id=det[1])  # retracted: not hers any more
    save_annotation(sessions, image_id, "bob", "3", source_id=det[2])
    save_annotation(sessions, image_id, "alice", "4", source_id=picked[0])  # a ring: a copy, not counted
    found = progress(sessions, image_id, "alice")
    assert (found["sources"], found["labelled"], found["mine"]) == (4, 2, 1)
    assert progress(sessions, image_id, "bob")["mine"] == 1
    assert progress(sessions, image_id, None)["mine"] is None and progress(sessions, image_id, "")["mine"] is None
    with pytest.raises(NotFoundError, match="no image with id 99"):
        progress(sessions, 99, "alice")
