"""A consensus round's report (backend/services/labelling/round_report.py), from real votes in a round: each
annotator's latest vote in the round, the map's tie rule, per-annotator agreement, the disagreement queue,
JSON-safe figures. (The statistics themselves are tested in tests/models against reference packages.)"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.errors import NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.round_report import report, round_votes
from backend.services.labelling.round_spec import RoundCreate
from backend.services.labelling.rounds import change_state, create_round
from tests.backend.services.conftest import add_sources

PEOPLE = ["ann", "ben", "cat"]


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


@pytest.fixture
def voted(sessions: sessionmaker[Session], image_id: int) -> tuple[int, list[int]]:
    """A k=3 round of 3 annotators on 4 sources: s0 unanimous 1, s1 1/1/4 (ann first said 4), s2 1/4/3 (a
    three-way tie), s3 no votes; plus a vote outside the round that must not count."""
    _, ids = add_sources(sessions, image_id, [(10, 10), (20, 20), (30, 30), (40, 40)],
                         columns=[{"mag": 18.5, "ci": 1.1}, {"mag": 20.5, "ci": 1.5}, {"mag": 22.5, "ci": 2.2}, {}])
    with session_scope(sessions) as session:
        round_id = create_round(session, image_id, RoundCreate(k=3, annotators=PEOPLE, sources=ids, seed=4),
                                "owner").id
        change_state(session, round_id, "open", "owner")
    votes = [("ann", 0, "1"), ("ben", 0, "1"), ("cat", 0, "1"), ("ann", 1, "4"), ("ann", 1, "1"), ("ben", 1, "1"),
             ("cat", 1, "4"), ("ann", 2, "1"), ("ben", 2, "4"), ("cat", 2, "3")]
    for who, i, cls in votes:
        save_annotation(sessions, image_id, who, cls, source_id=ids[i], round_id=round_id)
    save_annotation(sessions, image_id, "dan", "4", source_id=ids[0])  # not in the round
    return round_id, ids


def test_votes_are_the_latest_in_the_round_with_the_map_s_tie_rule(sessions: sessionmaker[Session],
                                                                   voted: tuple[int, list[int]]) -> None:
    round_id, ids = voted
    with sessions() as session:
        rv = round_votes(session, round_id)
    assert sorted(rv.source_ids) == ids  # in the round's (seeded, shuffled) order
    assert rv.annotators == PEOPLE and rv.classes == ["1", "2", "3", "4"] and rv.votes.n_votes == 9
    mode = {sid: m for sid, m in zip(rv.source_ids, rv.mode.tolist(), strict=True)}
    assert mode == {ids[0]: 0, ids[1]: 0, ids[2]: -1, ids[3]: -1}  # class "1", "1", a tie, no votes
    assert rv.binary_names == ["cluster", "non-cluster"] and rv.binary_map == [0, 0, 1, 1]


def test_the_report(sessions: sessionmaker[Session], voted: tuple[int, list[int]]) -> None:
    round_id, ids = voted
    with sessions() as session:
        found: dict[str, Any] = report(session, round_id)
    json.dumps(found)  # JSON-safe throughout
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in _leaves(found))
    assert (found["round_id"], found["state"], found["k"], found["n_sources"]) == (round_id, "open", 3, 4)
    assert found["n_votes"] == 9 and found["n_sources_voted"] == 3
    sources = {s["source_id"]: s for s in found["sources"]}
    assert sources[ids[0]]["votes"] == {"1": 3, "2": 0, "3": 0, "4": 0} and sources[ids[0]]["class_mode"] == "1"
    assert sources[ids[1]]["votes"] == {"1": 2, "2": 0, "3": 0, "4": 1} and sources[ids[1]]["class_mode"] == "1"
    assert sources[ids[2]]["class_mode"] is None and sources[ids[2]]["n_votes"] == 3  # voted, undecided
    assert sources[ids[3]]["n_votes"] == 0 and sources[ids[3]]["class_ds"] is None
    assert sources[ids[0]]["agreement"] == 1.0 and sources[ids[1]]["agreement"] < 1.0
    assert ids[2] in found["disagreements"] and ids[0] not in found["disagreements"]
    per = {a["annotator"]: a for a in found["per_annotator"]}
    assert [per[p]["n_votes"] for p in PEOPLE] == [3, 3, 3]
    assert per["ann"]["agreement_with_consensus"] == 1.0  # s0 and s1 agree, the tie is left out
    assert per["cat"]["agreement_with_consensus"] == 0.5
    assert {(c["a"], c["b"]) for c in found["cohen_kappa"]} == {("ann", "ben"), ("ann", "cat"), ("ben", "cat")}
    assert found["by_magnitude"]["column"] == "mag" and found["by_ci"]["column"] == "ci"
    assert found["gold"] == {"n_sources": 0, "consensus_accuracy": None}
    assert found["progress"]["per_annotator"][0] == {"annotator": "ann", "done": 3, "total": 4}


def test_an_unknown_round(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(NotFoundError, match="no round with id 9"):
        report(session, 9)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_magnitude_and_ci_bins_follow_the_round_s_own_sources(sessions: sessionmaker[Session], image_id: int) -> None:
    """A round of faint sources (V 24.0 to 24.95, all inside one fixed 1-mag bin) is split into quantile
    bins of about equal counts; the edges come from the data and each bin says how many sources it holds;
    a 99.999 placeholder falls in no bin."""
    mags = [24.0 + 0.05 * i for i in range(20)] + [99.999]
    _, ids = add_sources(sessions, image_id, [(5.0 * i, 5.0) for i in range(21)],
                         columns=[{"mag_F555W": m, "ci": 1.0 + 0.01 * i} for i, m in enumerate(mags)])
    with session_scope(sessions) as session:
        round_id = create_round(session, image_id, RoundCreate(k=2, annotators=PEOPLE[:2], sources=ids, seed=1),
                                "owner").id
        change_state(session, round_id, "open", "owner")
    for i, sid in enumerate(ids):
        save_annotation(sessions, image_id, "ann", "1", source_id=sid, round_id=round_id)
        save_annotation(sessions, image_id, "ben", "1" if i < 10 else "4", source_id=sid, round_id=round_id)
    with sessions() as session:
        found = report(session, round_id)["by_magnitude"]
    assert found["column"] == "mag_F555W" and found["binning"] == "quantile"
    bins = found["bins"]
    assert len(bins) == 4 and [b["n_sources"] for b in bins] == [5, 5, 5, 5]  # 20 faint sources, 5 a bin
    assert found["edges"][0] == pytest.approx(24.0) and found["edges"][-1] == pytest.approx(24.95)
    assert [b["lo"] for b in bins] == found["edges"][:-1] and all(24 <= e < 25 for e in found["edges"])
    assert [b["agreement"] for b in bins] == [1.0, 1.0, 0.5, 0.5]  # ben disagrees on the fainter half
    assert sum(b["n_votes"] for b in bins) == 40  # the placeholder's two votes are in no bin
