"""Consensus rounds (backend/services/labelling/rounds.py): creation with balanced, seeded assignments, the
draft -> open -> closed -> adjudicated states, votes only on one's own assigned sources while open, queues,
progress and adjudication."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.annotations import Round
from backend.db.rounds import RoundAssignment
from backend.db.session import session_scope
from backend.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.round_spec import RoundCreate
from backend.services.labelling.rounds import (
    adjudicate,
    adjudications,
    change_state,
    changes,
    create_round,
    progress,
    queue,
    round_for_label,
    round_public,
    round_source_ids,
)
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources

PEOPLE = ["ann", "ben", "cat"]


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


@pytest.fixture
def ids(sessions: sessionmaker[Session], image_id: int) -> list[int]:
    """Six sources: four inside the square 0..50 x 0..50, two outside it; a picked copy inside."""
    _, found = add_sources(sessions, image_id, [(10, 10), (20, 20), (30, 30), (40, 40), (100, 100), (150, 150)])
    add_sources(sessions, image_id, [(10, 10)], name="picked", kind="picked")
    return found


def create(sessions: sessionmaker[Session], image_id: int, by: str | None = "owner", **fields: Any) -> int:
    with session_scope(sessions) as session:
        return create_round(session, image_id, RoundCreate(**fields), by).id


def assignments(sessions: sessionmaker[Session], round_id: int) -> list[tuple[int, int, int, bool]]:
    with sessions() as session:
        return [(a.annotator_id, a.source_id, a.position, a.repeat) for a in session.scalars(
            select(RoundAssignment).where(RoundAssignment.round_id == round_id)
            .order_by(RoundAssignment.annotator_id, RoundAssignment.position))]


def move(sessions: sessionmaker[Session], round_id: int, to: str) -> None:
    with session_scope(sessions) as session:
        change_state(session, round_id, to, "owner")


def test_a_tag_round_opens_at_once_and_can_only_be_closed(sessions: sessionmaker[Session], image_id: int) -> None:
    round_id = create(sessions, image_id, name="quick look")
    with sessions() as session:
        public = round_public(session, session.get_one(Round, round_id))
        assert (public["state"], public["k"], public["sources"], public["created_by"]) == ("open", None, [], "owner")
        with pytest.raises(ConflictError, match="is a tag round: it can only be closed"):
            change_state(session, round_id, "adjudicated", "owner")
    move(sessions, round_id, "closed")
    with sessions() as session:
        assert [(c["from"], c["to"], c["by"]) for c in changes(session, round_id)] == [
            (None, "open", "owner"), ("open", "closed", "owner")]


def test_a_consensus_round_shares_its_sources_k_times_reproducibly(sessions: sessionmaker[Session],
                                                                   image_id: int, ids: list[int]) -> None:
    round_id = create(sessions, image_id, k=2, annotators=[*PEOPLE, " ann "], sources=ids[:5], seed=11)
    with sessions() as session:
        found = session.get_one(Round, round_id)
        public = round_public(session, found)
        assert (public["state"], public["k"], public["seed"], public["annotators"]) == ("draft", 2, 11, PEOPLE)
        assert sorted(round_source_ids(session, round_id)) == sorted(ids[:5])
    rows = assignments(sessions, round_id)
    per_person: dict[int, list[int]] = {}
    for who, sid, _, _ in rows:
        per_person.setdefault(who, []).append(sid)
    assert len(per_person) == 3 and sorted(len(v) for v in per_person.values()) == [3, 3, 4]  # 5 x 2 over 3
    assert all(sum(sid in v for v in per_person.values()) == 2 for sid in ids[:5])
    again = create(sessions, image_id, k=2, annotators=PEOPLE, sources=ids[:5], seed=11)
    assert [r[1:] for r in assignments(sessions, again)] == [r[1:] for r in rows]  # one seed, one round


def test_a_sampled_round_draws_inside_the_regions_leaving_picked_copies_out(
        sessions: sessionmaker[Session], image_id: int, ids: list[int]) -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [50, 0], [50, 50], [0, 50]]]}
    round_id = create(sessions, image_id, k=1, annotators=PEOPLE[:1], sample={"regions": [square], "n": 10}, seed=1)
    with sessions() as session:
        assert sorted(round_source_ids(session, round_id)) == ids[:4]
    small = create(sessions, image_id, k=1, annotators=PEOPLE[:1], sample={"regions": [square], "n": 2}, seed=1)
    with sessions() as session:
        drawn = round_source_ids(session, small)
    assert len(drawn) == 2 and set(drawn) <= set(ids[:4])


@pytest.mark.parametrize(("fields", "message"), [
    ({"sources": [1]}, "a round with sources needs k"),
    ({"k": 1, "annotators": ["ann"]}, 'give either "sources" .* or "sample"'),
    ({"k": 1, "annotators": ["ann"], "sources": [1],
      "sample": {"regions": [{"type": "Polygon", "coordinates": [[[0, 0], [5, 0], [5, 5]]]}]}}, "not both"),
    ({"k": 3, "annotators": ["ann", "ben", " ann"], "sources": [1]}, "k = 3 needs at least 3 annotators; the round "
                                                                     "names 2"),
    ({"k": 1, "annotators": ["ann"], "sources": []}, "sources is empty"),
    ({"k": 1, "annotators": ["ann"], "sources": [1, 999]}, r"has no sources with ids \[999\]"),
    ({"k": 1, "annotators": ["ann"], "sample": {"regions": [{"type": "Polygon", "coordinates": [
        [[200, 150], [210, 150], [210, 160]]]}]}}, "the round has no sources: the regions hold none"),
    ({"k": 1, "annotators": ["ann"], "sample": {"regions": [{"type": "Polygon", "coordinates": [
        [[0, 0], [50, 0], [50, 50]]]}], "layer": 999}}, "has no layer 999"),
    ({"k": 1, "annotators": ["ann"], "sources": [1], "gold": {"layer": 1}}, "has no sources with a reference class"),
])
def test_bad_rounds_are_refused_and_leave_nothing(sessions: sessionmaker[Session], image_id: int, ids: list[int],
                                                  fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        create(sessions, image_id, **fields)
    with sessions() as session:
        from backend.services.labelling.annotators import list_rounds

        assert list_rounds(session, image_id) == []
    with pytest.raises(NotFoundError):
        create(sessions, 99, k=1, annotators=["ann"], sources=[1])


def test_states_move_one_way(sessions: sessionmaker[Session], image_id: int, ids: list[int]) -> None:
    round_id = create(sessions, image_id, k=1, annotators=["ann"], sources=ids[:2], seed=0)
    with session_scope(sessions) as session:
        with pytest.raises(ConflictError, match=r"is draft: it cannot become closed \(draft -> open -> closed"):
            change_state(session, round_id, "closed", "owner")
        with pytest.raises(ConflictError, match="cannot become draft"):
            change_state(session, round_id, "draft", "owner")
    for to in ("open", "closed", "adjudicated", "adjudicated"):
        move(sessions, round_id, to)
    with session_scope(sessions) as session:
        with pytest.raises(ConflictError, match="is adjudicated: it cannot become open"):
            change_state(session, round_id, "open", "owner")
        assert [(c["from"], c["to"]) for c in changes(session, round_id)] == [
            (None, "draft"), ("draft", "open"), ("open", "closed"), ("closed", "adjudicated")]  # no self-moves


def test_votes_only_while_open_and_only_on_one_s_own_sources(sessions: sessionmaker[Session], image_id: int,
                                                             ids: list[int]) -> None:
    round_id = create(sessions, image_id, k=1, annotators=["ann", "ben"], sources=ids[:4], seed=3)
    with sessions() as session:
        mine = [i["source_id"] for i in queue(session, round_id, "ann")["items"]]
        theirs = [i["source_id"] for i in queue(session, round_id, "ben")["items"]]
    assert len(mine) == len(theirs) == 2 and sorted(mine + theirs) == ids[:4]
    with pytest.raises(ConflictError, match="is draft: it takes no votes until it is opened"):
        save_annotation(sessions, image_id, "ann", "1", source_id=mine[0], round_id=round_id)
    move(sessions, round_id, "open")
    save_annotation(sessions, image_id, "ann", "1", source_id=mine[0], round_id=round_id)
    with pytest.raises(ForbiddenError, match=f"round {round_id} did not assign source {theirs[0]} to you: "
                                             f"GET /api/rounds/{round_id}/queue lists yours"):
        save_annotation(sessions, image_id, "ann", "2", source_id=theirs[0], round_id=round_id)
    with pytest.raises(ForbiddenError, match="did not assign a repeat showing of source"):
        save_annotation(sessions, image_id, "ann", "2", source_id=mine[1], round_id=round_id, repeat=True)
    other = add_image(sessions, name="other")
    with sessions() as session:
        with pytest.raises(InputError, match=f"round {round_id} belongs to image {image_id}, not to image {other}"):
            round_for_label(session, other, round_id, 1, mine[0])
        with pytest.raises(InputError, match="is a consensus round: label one of its sources by source_id"):
            round_for_label(session, image_id, round_id)
        with pytest.raises(InputError, match="a repeat showing belongs to a round: give its round_id"):
            round_for_label(session, image_id, None, repeat=True)
        listed = queue(session, round_id, "ann")
        assert (listed["done"], listed["total"], listed["state"]) == (1, 2, "open")
        assert [i["done"] for i in listed["items"]] == [i["source_id"] == mine[0] for i in listed["items"]]
        assert queue(session, round_id, "nobody")["items"] == []
        counted = progress(session, round_id)
    assert counted["k"] == 1
    assert counted["per_annotator"] == [{"annotator": "ann", "done": 1, "total": 2},
                                        {"annotator": "ben", "done": 0, "total": 2}]
    assert {p["source_id"]: p["votes"] for p in counted["per_source"]} == {s: int(s == mine[0]) for s in ids[:4]}
    move(sessions, round_id, "closed")
    with pytest.raises(ConflictError, match="is closed: it takes no votes"):
        save_annotation(sessions, image_id, "ann", "2", source_id=mine[1], round_id=round_id)


def test_adjudication_after_closing(sessions: sessionmaker[Session], image_id: int, ids: list[int]) -> None:
    round_id = create(sessions, image_id, k=1, annotators=["ann"], sources=ids[:2], seed=0)
    with session_scope(sessions) as session:
        with pytest.raises(ConflictError, match="is draft: close it before adjudicating"):
            adjudicate(session, round_id, ids[0], "1", "", "rev")
    move(sessions, round_id, "open")
    move(sessions, round_id, "closed")
    with session_scope(sessions) as session:
        with pytest.raises(NotFoundError, match=f"source {ids[4]} is not in round {round_id}"):
            adjudicate(session, round_id, ids[4], "1", "", "rev")
        with pytest.raises(InputError, match="class '7' is not in the label scheme"):
            adjudicate(session, round_id, ids[0], "7", "", "rev")
    with session_scope(sessions) as session:
        adjudicate(session, round_id, ids[0], "2", "blended pair", "rev")
        adjudicate(session, round_id, ids[0], "3", "on second look", "rev")
    with sessions() as session:
        latest = adjudications(session, round_id)
        assert list(latest) == [ids[0]] and (latest[ids[0]].class_, latest[ids[0]].note) == ("3", "on second look")
        public = round_public(session, session.get_one(Round, round_id))
        assert public["state"] == "adjudicated"
