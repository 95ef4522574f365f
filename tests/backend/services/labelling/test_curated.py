"""The curated catalogue's consensus columns (backend/services/labelling/curated.py): vote counts and
fractions, the mode with the map's tie rule, how the adopted class is decided (adjudicated > a strict human
majority > the skill model > a reference class), blind rounds hidden, the annotator-skill sidecar."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.rounds import Adjudication
from backend.db.session import session_scope
from backend.db.sources import Source
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.annotators import close_round, open_round
from backend.services.labelling.curated import DESCRIPTIONS, curated_columns
from tests.backend.services.conftest import add_sources


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


@pytest.fixture
def field(sessions: sessionmaker[Session], image_id: int) -> tuple[list[int], int]:
    """s0: 1, 1, 4 (ben's in a tag round); s1: 1 against 4; s2: a reference class 3, no votes; s3: a vote
    retracted; s4: 2, 2 but adjudicated 3. Returns the ids and the round's id."""
    _, ids = add_sources(sessions, image_id, [(10.0 * i, 10.0) for i in range(1, 6)])
    save_annotation(sessions, image_id, "ann", "1", source_id=ids[0])
    with session_scope(sessions) as session:
        round_id = open_round(session, image_id).id
    save_annotation(sessions, image_id, "ben", "1", source_id=ids[0])  # joins the open tag round
    with session_scope(sessions) as session:
        close_round(session, round_id)
    for who, i, cls in [("cat", 0, "4"), ("ann", 1, "1"), ("ben", 1, "4"), ("dan", 3, "2"), ("dan", 3, None),
                        ("ann", 4, "2"), ("ben", 4, "2")]:
        save_annotation(sessions, image_id, who, cls, source_id=ids[i])
    with session_scope(sessions) as session:
        session.get_one(Source, ids[2]).reference_class = "3"
        session.add(Adjudication(round_id=round_id, source_id=ids[4], class_="3", note="blend", by="rev"))
    return ids, round_id


def columns(sessions: sessionmaker[Session], image_id: int, ids: list[int],
            hidden: set[int] | None = None) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    with sessions() as session:
        cols, skill = curated_columns(session, image_id, ids, hidden)
    return {name: values for name, (_, values) in cols.items()}, skill


def test_counts_mode_and_the_adopted_class(sessions: sessionmaker[Session], image_id: int,
                                           field: tuple[list[int], int]) -> None:
    ids, round_id = field
    cols, _ = columns(sessions, image_id, ids)
    assert cols["n_votes"] == [3, 2, 0, 0, 2]  # dan's retraction is no vote
    assert cols["votes_1"] == [2, 1, 0, 0, 0] and cols["votes_4"] == [1, 1, 0, 0, 0]
    assert cols["frac_1"][0] == pytest.approx(2 / 3) and cols["frac_1"][2] is None
    assert cols["class_mode"] == ["1", None, None, None, "2"]  # s1 is a tie: no mode
    assert cols["class_mean"][0] == pytest.approx(2.0) and cols["class_mean"][2] is None
    assert cols["agreement"][:2] == [pytest.approx(2 / 3), 0.5]
    assert cols["class_reference"] == [None, None, "3", None, None]
    assert cols["class_adjudicated"] == [None, None, None, None, "3"]
    assert cols["consensus_method"] == ["human-3", "skill-model", "reference", "", "adjudicated"]
    assert cols["class_curated"][0] == "1" and cols["class_curated"][2:] == ["3", None, "3"]
    assert cols["class_curated"][1] == cols["class_ds"][1] in ("1", "4")  # no majority: the skill model decides
    assert cols["rounds"] == [str(round_id), "", "", "", ""]
    assert cols["class_ds"][2] is None and cols["p_ds"][2] is None  # no votes, no skill-model class


def test_every_column_is_described_in_a_fixed_order(sessions: sessionmaker[Session], image_id: int,
                                                    field: tuple[list[int], int]) -> None:
    ids, _ = field
    with sessions() as session:
        cols, _ = curated_columns(session, image_id, ids)
    names = list(cols)
    assert names[:9] == ["n_votes", "votes_1", "votes_2", "votes_3", "votes_4", "frac_1", "frac_2", "frac_3",
                         "frac_4"]
    assert all(info.description for info, _ in cols.values())
    assert set(DESCRIPTIONS) <= set(names) and all(len(values) == len(ids) for _, values in cols.values())
    reordered, _ = columns(sessions, image_id, ids[::-1])
    assert reordered["n_votes"] == [2, 0, 0, 2, 3]  # values follow the ids given


def test_blind_sources_are_left_empty(sessions: sessionmaker[Session], image_id: int,
                                      field: tuple[list[int], int]) -> None:
    ids, _ = field
    cols, _ = columns(sessions, image_id, ids, hidden={ids[0], ids[4]})
    assert cols["n_votes"] == [0, 2, 0, 0, 0] and cols["class_mode"][0] is None
    assert cols["class_adjudicated"][4] is None and cols["rounds"][0] == ""
    assert cols["consensus_method"][0] == "" and cols["consensus_method"][4] == ""


def test_the_skill_sidecar_has_one_row_per_annotator(sessions: sessionmaker[Session], image_id: int,
                                                     field: tuple[list[int], int]) -> None:
    ids, _ = field
    _, skill = columns(sessions, image_id, ids)
    rows = {row["annotator"]: row for row in skill}
    assert [rows[name]["n_votes"] for name in ("ann", "ben", "cat")] == [3, 3, 1]
    assert rows.get("dan", {"n_votes": 0})["n_votes"] == 0  # dan retracted his only vote: it counts nowhere
    for row in skill:
        assert 0.0 <= row["accuracy"] <= 1.0
        for a in "1234":
            assert sum(row[f"p_{a}_{b}"] for b in "1234") == pytest.approx(1.0, abs=1e-3)  # rows of a confusion
    assert columns(sessions, image_id, [])[1] == []
