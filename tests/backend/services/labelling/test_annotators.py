"""Annotators and labelling rounds (backend/services/labelling/annotators.py): names as identities, kinds kept,
rounds numbered per image, closed rounds refusing labels."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.annotators import (
    close_round,
    current_round,
    get_or_create_annotator,
    get_round,
    list_annotators,
    list_rounds,
    open_round,
    round_by_number,
)
from backend.services.labelling.rounds import round_for_label
from tests.backend.labels_db import add_image


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


def test_an_annotator_is_created_once_and_keeps_its_kind(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        legus = get_or_create_annotator(session, "LEGUS", kind="catalogue")
        alice = get_or_create_annotator(session, "  alice ")
        again = get_or_create_annotator(session, "alice", kind="catalogue")  # an existing one keeps its kind
        assert again.id == alice.id and again.kind == "human" and alice.name == "alice"
        assert legus.kind == "catalogue"
        assert [a.name for a in list_annotators(session)] == ["LEGUS", "alice"]  # in creation order
        assert get_or_create_annotator(session, "Alice").id != alice.id  # names are case-sensitive


@pytest.mark.parametrize(("name", "kind", "message"), [
    ("", "human", "non-empty name"),
    ("   ", "human", "non-empty name"),
    ("x" * 101, "human", "101 characters long: at most 100"),
    ("bob", "robot", "annotator kind 'robot' is unknown: use one of human, catalogue"),
])
def test_bad_annotators_are_refused(sessions: sessionmaker[Session], name: str, kind: str, message: str) -> None:
    with session_scope(sessions) as session:
        with pytest.raises(InputError, match=message):
            get_or_create_annotator(session, name, kind=kind)
        assert list_annotators(session) == []
        assert get_or_create_annotator(session, "x" * 100).name == "x" * 100  # the limit itself is fine


def test_rounds_are_numbered_per_image(sessions: sessionmaker[Session], image_id: int) -> None:
    other = add_image(sessions, name="other")
    with session_scope(sessions) as session:
        first = open_round(session, image_id)
        second = open_round(session, image_id, name="  experts  ")
        elsewhere = open_round(session, other)
        assert (first.number, first.name, first.status) == (1, "round 1", "open")
        assert (second.number, second.name) == (2, "experts")
        assert elsewhere.number == 1
        assert [r.id for r in list_rounds(session, image_id)] == [first.id, second.id]
        assert current_round(session, image_id).id == second.id  # type: ignore[union-attr]
        close_round(session, second.id)
        assert current_round(session, image_id).id == first.id  # type: ignore[union-attr]
        close_round(session, first.id)
        assert current_round(session, image_id) is None
        assert open_round(session, image_id).number == 3  # numbers are never reused


def test_a_round_name_longer_than_the_column_is_refused(sessions: sessionmaker[Session], image_id: int) -> None:
    with session_scope(sessions) as session:
        assert open_round(session, image_id, " " + "r" * 200 + " ").name == "r" * 200
        with pytest.raises(InputError, match="round name is 201 characters long: at most 200"):
            open_round(session, image_id, "r" * 201)  # PostgreSQL answered this with a server error
        assert [r.number for r in list_rounds(session, image_id)] == [1]


def test_closing_twice_and_unknown_ids(sessions: sessionmaker[Session], image_id: int) -> None:
    with session_scope(sessions) as session:
        found = open_round(session, image_id, name="first pass")
        closed = close_round(session, found.id)
        assert closed.status == "closed" and closed.closed_at is not None
        with pytest.raises(ConflictError, match=rf"round {found.id} \(first pass\) is already closed"):
            close_round(session, found.id)
        with pytest.raises(NotFoundError, match=r"no round with id 99; GET /api/images/\{id\}/rounds"):
            get_round(session, 99)
        for call in (lambda: list_rounds(session, 99), lambda: open_round(session, 99)):
            with pytest.raises(NotFoundError, match="no image with id 99"):
                call()


def test_round_for_label_defaults_to_the_open_round_and_checks_the_one_named(
        sessions: sessionmaker[Session], image_id: int) -> None:
    other = add_image(sessions, name="other")
    with session_scope(sessions) as session:
        assert round_for_label(session, image_id, None) is None  # no round open: the label joins none
        found = open_round(session, image_id)
        assert round_for_label(session, image_id, None) == found.id
        assert round_for_label(session, image_id, found.id) == found.id
        with pytest.raises(InputError, match=f"round {found.id} belongs to image {image_id}, not to image {other}"):
            round_for_label(session, other, found.id)
        close_round(session, found.id)
        with pytest.raises(ConflictError, match="is closed: open a new round to add labels"):
            round_for_label(session, image_id, found.id)
        assert round_for_label(session, image_id, None) is None
        with pytest.raises(NotFoundError):
            round_for_label(session, image_id, 1234)


def test_an_imported_round_number_is_created_closed_once(sessions: sessionmaker[Session], image_id: int) -> None:
    with session_scope(sessions) as session:
        imported = round_by_number(session, image_id, 4)
        assert (imported.number, imported.status, imported.name) == (4, "closed", "round 4 (imported)")
        assert round_by_number(session, image_id, 4).id == imported.id
        assert current_round(session, image_id) is None  # history, not a round to label in
        assert open_round(session, image_id).number == 5
