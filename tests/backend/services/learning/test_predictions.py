"""The current probe's scores (backend/services/learning/predictions.py): one row per source, duplicates
sharing their row's scores, picked copies left out, the changed sources named, bbox queries."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion, Prediction, PseudoLabel
from backend.db.session import session_scope
from backend.errors import InputError, NotFoundError
from backend.services.learning import predictions
from backend.services.learning.model_store import load_embeddings, require_encoder
from backend.services.learning.predictions import (
    current_probe_id,
    entropy,
    probs_by_class,
    query_predictions,
    write_predictions,
)
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder, add_probe_row


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


CLASSES = ["1", "2", "3", "4"]


@pytest.fixture
def field(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> dict[str, list[int]]:
    """Layer "det" (4 sources), layer "legus" repeating det[0] 0.5 px away, a picked copy of det[1], and an
    encoder embedding det's sources (the LEGUS duplicate shares det[0]'s row)."""
    _, det = add_sources(sessions, image_id, [(10, 10), (50, 20), (90, 30), (130, 150)], name="det")
    _, legus = add_sources(sessions, image_id, [(10.5, 10)], name="legus", kind="reference")
    _, picked = add_sources(sessions, image_id, [(50, 20)], name="picked", kind="picked")
    add_encoder(sessions, data_dir, image_id)
    return {"det": det, "legus": legus, "picked": picked}


def write(sessions: sessionmaker[Session], data_dir: Path, image_id: int, probs: np.ndarray,
          classes: list[str] = CLASSES) -> tuple[int, dict]:
    with session_scope(sessions) as session:
        encoder = require_encoder(session, image_id)
        version_id = add_probe_row(sessions, image_id, encoder.id, classes)
        return version_id, write_predictions(session, image_id, version_id, classes, probs,
                                             load_embeddings(data_dir, encoder))


def rows(sessions: sessionmaker[Session]) -> dict[int, Prediction]:
    with sessions() as session:
        return {p.source_id: p for p in session.scalars(select(Prediction))}


PROBS = np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 1.0, 0.0], [0.1, 0.6, 0.2, 0.1]])


def test_entropy_in_nats() -> None:
    np.testing.assert_allclose(entropy(np.array([[0.5, 0.5], [1.0, 0.0]])), [math.log(2), 0.0], atol=1e-9)
    np.testing.assert_allclose(entropy(np.full((1, 4), 0.25)), [math.log(4)])
    assert entropy(np.zeros((0, 3))).shape == (0,)


def test_every_source_with_a_row_gets_its_row_s_scores(sessions: sessionmaker[Session], data_dir: Path,
                                                       image_id: int, field: dict[str, list[int]]) -> None:
    version_id, result = write(sessions, data_dir, image_id, PROBS)
    det, legus, picked = field["det"], field["legus"], field["picked"]
    stored = rows(sessions)
    assert set(stored) == {*det, *legus} and picked[0] not in stored  # the map shows the original's scores
    assert result == {"n": 5, "changed": [*det, *legus], "n_changed": 5}
    first = stored[det[0]]
    assert (first.class_, first.score, first.model_version_id) == ("1", pytest.approx(0.7), version_id)
    assert first.entropy == pytest.approx(float(entropy(PROBS[:1])[0]))
    assert stored[legus[0]].class_ == "1" and stored[legus[0]].score == pytest.approx(0.7)  # its duplicate
    assert stored[det[2]].class_ == "3" and stored[det[2]].entropy == pytest.approx(0.0, abs=1e-9)
    assert stored[det[3]].class_ == "2"


def test_only_what_changed_enough_is_named(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                           field: dict[str, list[int]]) -> None:
    write(sessions, data_dir, image_id, PROBS)
    _, same = write(sessions, data_dir, image_id, PROBS)
    assert same == {"n": 5, "changed": [], "n_changed": 0}
    nudged = PROBS.copy()
    nudged[0] = [0.705, 0.095, 0.1, 0.1]  # score moved by 0.005 < CHANGE_TOLERANCE
    nudged[3] = [0.1, 0.2, 0.6, 0.1]  # another class
    nudged[2] = [0.0, 0.0, 0.98, 0.02]  # score moved by 0.02
    _, result = write(sessions, data_dir, image_id, nudged)
    assert sorted(result["changed"]) == sorted([field["det"][2], field["det"][3]])
    assert rows(sessions)[field["det"][0]].score == pytest.approx(0.705)  # written, just not named


def test_a_long_change_list_becomes_all(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                        field: dict[str, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(predictions, "MAX_CHANGED_LISTED", 3)
    _, result = write(sessions, data_dir, image_id, PROBS)
    assert result == {"n": 5, "changed": "all", "n_changed": 5}


def test_sources_without_a_row_lose_their_old_prediction(sessions: sessionmaker[Session], data_dir: Path,
                                                         image_id: int, field: dict[str, list[int]]) -> None:
    write(sessions, data_dir, image_id, PROBS)
    _, (late,) = add_sources(sessions, image_id, [(200, 100)], name="late")  # added after the embedding
    assert late not in rows(sessions)
    with session_scope(sessions) as session:  # a source of the embedding is moved away from its row
        from backend.db.sources import Source

        session.get_one(Source, field["det"][3]).x = 250.0
    _, result = write(sessions, data_dir, image_id, PROBS)
    assert field["det"][3] in result["changed"] and set(rows(sessions)) == {*field["det"][:3], *field["legus"]}


def test_probs_by_class() -> None:
    version = ModelVersion(config={"classes": ["1", "4"]})
    assert probs_by_class(version, [0.2, 0.8]) == {"1": 0.2, "4": 0.8}
    assert probs_by_class(version, {"a": 1.0}) == {"a": 1.0}  # rows written before the list format
    assert probs_by_class(None, [0.5]) == {}


def test_query_in_a_bbox_with_pseudo_labels_and_a_limit(sessions: sessionmaker[Session], data_dir: Path,
                                                       image_id: int, field: dict[str, list[int]]) -> None:
    with sessions() as session:
        assert query_predictions(session, image_id) == {"model_version": None, "version": None, "count": 0,
                                                        "truncated": False, "items": []}
        assert current_probe_id(session, image_id) is None
    version_id, _ = write(sessions, data_dir, image_id, PROBS)
    det = field["det"]
    with session_scope(sessions) as session:
        session.add(PseudoLabel(image_id=image_id, source_id=det[2], model_version_id=version_id, class_="3",
                                confidence=1.0, threshold=0.9))
    with sessions() as session:
        assert current_probe_id(session, image_id) == version_id
        everything = query_predictions(session, image_id)
        assert everything["model_version"] == version_id and everything["version"] == 1
        assert [i["source_id"] for i in everything["items"]] == sorted([*det, *field["legus"]])
        inside = query_predictions(session, image_id, bbox=(10, 10, 90, 30))  # inclusive edges
        assert [i["source_id"] for i in inside["items"]] == [det[0], det[1], det[2], field["legus"][0]]
        item = {i["source_id"]: i for i in inside["items"]}[det[2]]
        assert item["probs"] == {"1": 0.0, "2": 0.0, "3": 1.0, "4": 0.0} and item["pseudo_label"] == "3"
        assert item["x"] == 90.0 and item["rank"] is None
        assert {i["source_id"]: i for i in inside["items"]}[det[0]]["pseudo_label"] is None
        page = query_predictions(session, image_id, limit=2)
        assert page["count"] == 2 and page["truncated"] is True
        assert query_predictions(session, image_id, limit=5)["truncated"] is False
        for bad in (0, 50_001):
            with pytest.raises(InputError, match=f"limit must be 1 to 50000, got {bad}"):
                query_predictions(session, image_id, limit=bad)
        with pytest.raises(InputError, match="is empty"):
            query_predictions(session, image_id, bbox=(10, 10, 5, 30))
        with pytest.raises(NotFoundError):
            query_predictions(session, 99)


def test_rows_are_replaced_not_accumulated(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                           field: dict[str, list[int]]) -> None:
    for _ in range(3):
        write(sessions, data_dir, image_id, PROBS)
    with sessions() as session:
        assert session.scalar(select(func.count(Prediction.id))) == 5
        assert len(set(session.scalars(select(Prediction.model_version_id)))) == 1


def test_each_prediction_answers_the_schemes_binary_question(sessions: sessionmaker[Session], data_dir: Path,
                                                             image_id: int, field: dict[str, list[int]]) -> None:
    """The LEGUS scheme's cluster (1, 2) / non-cluster (3, 4): the group's probability is its classes' sum and
    its entropy the two groups', which can disagree with the four classes' argmax (what the picks rank by)."""
    det = field["det"]
    probs = np.array([[0.3, 0.3, 0.4, 0.0], [0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 1.0, 0.0], [0.1, 0.6, 0.2, 0.1]])
    write(sessions, data_dir, image_id, probs)
    with sessions() as session:
        items = {i["source_id"]: i for i in query_predictions(session, image_id)["items"]}
    split = items[det[0]]
    assert split["class"] == "3" and split["binary"]["group"] == "cluster"
    assert split["binary"]["p"] == pytest.approx(0.6)
    assert split["binary"]["entropy"] == pytest.approx(-(0.6 * math.log(0.6) + 0.4 * math.log(0.4)))
    assert split["entropy"] > split["binary"]["entropy"]
    assert items[det[1]]["binary"]["p"] == pytest.approx(0.5)
    assert items[det[1]]["binary"]["entropy"] == pytest.approx(math.log(2))
    assert items[det[2]]["binary"] == {"group": "non-cluster", "p": pytest.approx(1.0),
                                       "entropy": pytest.approx(0.0, abs=1e-9)}
    assert items[field["legus"][0]]["binary"] == split["binary"]  # the duplicate shares det[0]'s row
    write(sessions, data_dir, image_id, np.array([[0.9, 0.1]] * 4), classes=["a", "b"])
    with sessions() as session:
        assert all(i["binary"] is None for i in query_predictions(session, image_id)["items"])
