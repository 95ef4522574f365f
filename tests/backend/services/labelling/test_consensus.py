"""A source's stored consensus (backend/services/labelling/consensus.py): current votes are each annotator's
latest annotation, a retraction is no vote, a tie has no consensus, and refresh_source stores the mode and the
vote count."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation
from backend.db.session import session_scope
from backend.db.sources import Source
from backend.services.labelling.annotators import get_or_create_annotator
from backend.services.labelling.consensus import consensus, refresh_source
from tests.backend.services.conftest import add_sources


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


def test_consensus_is_the_mode_of_current_votes_and_a_tie_has_none() -> None:
    assert consensus([]) == (None, 0)
    assert consensus([(1, "a", "1"), (2, "b", "2"), (3, "c", "2")]) == ("2", 3)
    assert consensus([(1, "a", "1"), (2, "b", "2")]) == (None, 2)  # a tie has no consensus
    assert consensus([(2, "a", "1"), (1, "b", "1"), (3, "a", "2")]) == (None, 2)  # a's latest is 2: tie
    assert consensus([(3, "a", "1"), (2, "a", "2"), (1, "b", "1")]) == ("1", 2)  # order, not position, is recency
    assert consensus([(1, "a", "1"), (2, "a", "3"), (3, "b", "1")]) == (None, 2)  # a changed to 3: tie
    assert consensus([(1, "a", "1"), (2, "a", None)]) == (None, 0)  # retracted


def test_current_votes_are_each_annotator_s_latest() -> None:
    history = [(5, "a", "1"), (2, "b", "2"), (9, "a", "3"), (7, "c", "4"), (8, "c", None)]
    assert latest_votes(history) == {"a": (9, "3"), "b": (2, "2")}  # c retracted; order, not position, counts
    assert latest_votes(reversed(history)) == latest_votes(history)
    assert latest_votes([]) == {}
    assert latest_votes([(1, "a", None), (2, "a", "1")]) == {"a": (2, "1")}  # a vote after a retraction


def test_consensus_counts_current_votes_only() -> None:
    assert consensus([(1, "a", "1"), (2, "b", "1"), (3, "c", "4")]) == ("1", 3)
    assert consensus([(1, "a", "1"), (2, "b", "1"), (3, "a", "4"), (4, "c", "4")]) == ("4", 3)  # a changed to 4
    assert consensus([(1, 7, "2")]) == ("2", 1)  # annotators by id, as the database gives them
    assert consensus([(1, "a", "1"), (2, "a", None)]) == (None, 0)


def annotate(session: Session, image_id: int, source_id: int, who: str, class_: str | None) -> None:
    """An annotation row added without the labelling service (so nothing refreshes the source yet)."""
    annotator = get_or_create_annotator(session, who)
    session.add(Annotation(image_id=image_id, source_id=source_id, annotator_id=annotator.id, class_=class_))
    session.flush()


def stored(sessions: sessionmaker[Session], source_id: int) -> tuple[str | None, int]:
    with sessions() as session:
        source = session.get_one(Source, source_id)
        return source.label_class, source.n_votes


@pytest.mark.parametrize(("votes", "expected"), [
    ([("alice", "1"), ("bob", "1"), ("carol", "3")], ("1", 3)),
    ([("alice", "1"), ("alice", "2")], ("2", 1)),
    ([("alice", "1"), ("bob", "4"), ("bob", None)], ("1", 1)),
    ([("alice", "1"), ("alice", None)], (None, 0)),
])
def test_refresh_stores_the_consensus_of_every_annotation(sessions: sessionmaker[Session], image_id: int,
                                                          votes: list[tuple[str, str | None]],
                                                          expected: tuple[str | None, int]) -> None:
    _, (sid, other) = add_sources(sessions, image_id, [(1, 1), (5, 5)])
    with session_scope(sessions) as session:
        for who, class_ in votes:
            annotate(session, image_id, sid, who, class_)
        assert refresh_source(session, sid) == expected
    assert stored(sessions, sid) == expected
    assert stored(sessions, other) == (None, 0)  # only the source named
    with session_scope(sessions) as session:
        assert refresh_source(session, sid) == expected  # idempotent
    assert stored(sessions, sid) == expected


def test_refresh_of_a_source_never_labelled_clears_it(sessions: sessionmaker[Session], image_id: int) -> None:
    _, (sid,) = add_sources(sessions, image_id, [(1, 1)])
    with session_scope(sessions) as session:
        source = session.get_one(Source, sid)
        source.label_class, source.n_votes = "2", 5  # a stale value
    with session_scope(sessions) as session:
        assert refresh_source(session, sid) == (None, 0)
    assert stored(sessions, sid) == (None, 0)
