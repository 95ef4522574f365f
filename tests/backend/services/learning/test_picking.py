"""What to label next (backend/services/learning/picking.py): acquisition over stored scores, labelled
sources and their duplicates excluded, ranks stored, the picked layer rebuilt each time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import Prediction
from backend.db.session import session_scope
from backend.db.sources import Layer, Source
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.model_store import load_embeddings, require_encoder
from backend.services.learning.picking import pick_next, propose_next
from backend.services.learning.predictions import write_predictions
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder, add_probe_row


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


POSITIONS = [(10.0 * i, 5.0) for i in range(1, 9)]


@pytest.fixture
def det(sessions: sessionmaker[Session], image_id: int) -> list[int]:
    return add_sources(sessions, image_id, POSITIONS, name="det")[1]


def pick(sessions: sessionmaker[Session], data_dir: Path, image_id: int, **kwargs: Any) -> dict[str, Any]:
    with session_scope(sessions) as session:
        return pick_next(session, data_dir, image_id, **kwargs)


def picked_layer(sessions: sessionmaker[Session], image_id: int) -> tuple[Layer, list[Source]]:
    with sessions() as session:
        layer = session.scalars(select(Layer).where(Layer.image_id == image_id, Layer.kind == "picked")).one()
        return layer, list(session.scalars(select(Source).where(Source.layer_id == layer.id).order_by(Source.id)))


def test_without_a_model_only_random_picks(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                           det: list[int]) -> None:
    found = pick(sessions, data_dir, image_id, strategy="random", k=3, seed=1)
    assert found["strategy"] == "random" and found["k"] == 3 and found["model_version"] is None
    assert len(set(found["source_ids"])) == 3 and set(found["source_ids"]) <= set(det)
    assert pick(sessions, data_dir, image_id, strategy="random", k=3, seed=1)["source_ids"] == found["source_ids"]
    layer, copies = picked_layer(sessions, image_id)
    assert layer.id == found["layer_id"] and layer.n_sources == 3 and layer.meta["strategy"] == "random"
    assert [c.columns["source_id"] for c in copies] == found["source_ids"]
    assert [c.columns["rank"] for c in copies] == [1, 2, 3]
    originals = dict(zip(det, POSITIONS, strict=True))
    assert all((c.x, c.y) == originals[c.columns["source_id"]] and c.catalog_id == str(c.columns["source_id"])
               for c in copies)
    with pytest.raises(ConflictError, match=f"strategy 'entropy' needs a model and image {image_id} has no "
                                            "embeddings yet: use strategy=random"):
        pick(sessions, data_dir, image_id, strategy="entropy")


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"strategy": "uncertainty"}, InputError, "strategy 'uncertainty' is unknown: use one of entropy, random"),
    ({"k": 0}, InputError, "k must be 1 to 1000, got 0"),
    ({"k": 1001}, InputError, "k must be 1 to 1000, got 1001"),
])
def test_bad_requests(sessions: sessionmaker[Session], data_dir: Path, image_id: int, det: list[int],
                      kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        pick(sessions, data_dir, image_id, **{"strategy": "random", **kwargs})
    with pytest.raises(NotFoundError):
        pick(sessions, data_dir, 99, strategy="random")


def test_labelled_sources_and_their_duplicates_are_never_picked(sessions: sessionmaker[Session], data_dir: Path,
                                                                image_id: int, det: list[int]) -> None:
    _, (legus,) = add_sources(sessions, image_id, [(20.4, 5.0)], name="legus", kind="reference")  # det[1]'s twin
    save_annotation(sessions, image_id, "alice", "1", source_id=det[0])
    save_annotation(sessions, image_id, "LEGUS", "2", source_id=legus)
    found = pick(sessions, data_dir, image_id, strategy="random", k=100, seed=0)
    assert sorted(found["source_ids"]) == det[2:] and found["k"] == 6  # k is capped at what is left
    assert legus not in found["source_ids"]


def test_the_picked_layer_is_replaced_but_labelled_rings_stay(sessions: sessionmaker[Session], data_dir: Path,
                                                              image_id: int, det: list[int]) -> None:
    first = pick(sessions, data_dir, image_id, strategy="random", k=2, seed=3)
    _, copies = picked_layer(sessions, image_id)
    save_annotation(sessions, image_id, "alice", "4", source_id=copies[0].id)  # labelled on the ring itself
    second = pick(sessions, data_dir, image_id, strategy="random", k=2, seed=4)
    assert copies[0].columns["source_id"] not in second["source_ids"]  # a label on a ring counts for its source
    layer, now = picked_layer(sessions, image_id)
    assert layer.id == first["layer_id"]  # one picked layer per image
    assert copies[0].id in [c.id for c in now] and copies[1].id not in [c.id for c in now]
    assert sorted(c.columns["source_id"] for c in now[1:]) == sorted(second["source_ids"])
    assert layer.n_sources == 3 and layer.meta["k"] == 2


def test_nothing_left_to_pick(sessions: sessionmaker[Session], data_dir: Path, image_id: int, det: list[int]) -> None:
    for sid in det:
        save_annotation(sessions, image_id, "alice", "1", source_id=sid)
    with pytest.raises(ConflictError, match=f"every source of image {image_id} is labelled: nothing left to pick"):
        pick(sessions, data_dir, image_id, strategy="random")


def test_entropy_picks_the_most_uncertain_and_ranks_them(sessions: sessionmaker[Session], data_dir: Path,
                                                         image_id: int, det: list[int]) -> None:
    add_encoder(sessions, data_dir, image_id)
    certainty = np.array([0.99, 0.6, 0.95, 0.5, 0.9, 0.7, 0.98, 0.55])  # entropy order: 3, 7, 1, 5, 4, ...
    probs = np.column_stack([certainty, 1 - certainty])
    with session_scope(sessions) as session:
        encoder = require_encoder(session, image_id)
        probe = add_probe_row(sessions, image_id, encoder.id, ["1", "4"])
        write_predictions(session, image_id, probe, ["1", "4"], probs, load_embeddings(data_dir, encoder))
    save_annotation(sessions, image_id, "alice", "1", source_id=det[7])  # the second most uncertain is labelled
    found = pick(sessions, data_dir, image_id, strategy="entropy", k=3)
    assert found["source_ids"] == [det[3], det[1], det[5]] and found["model_version"] == encoder.id
    with sessions() as session:
        ranks = dict(session.execute(select(Prediction.source_id, Prediction.rank)).all())
    assert {sid: r for sid, r in ranks.items() if r is not None} == {det[3]: 1, det[1]: 2, det[5]: 3}
    margin = pick(sessions, data_dir, image_id, strategy="margin", k=1)
    assert margin["source_ids"] == [det[3]]
    with sessions() as session:
        ranks = dict(session.execute(select(Prediction.source_id, Prediction.rank)).all())
    assert {sid: r for sid, r in ranks.items() if r is not None} == {det[3]: 1}  # earlier ranks cleared


def test_diverse_and_cluster_strategies_run_on_embeddings(sessions: sessionmaker[Session], data_dir: Path,
                                                          image_id: int, det: list[int]) -> None:
    embeddings = np.array([[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [-10, 5], [0.05, 0.05], [10, 10.1]])
    add_encoder(sessions, data_dir, image_id, embeddings.astype(np.float32))
    for strategy in ("diverse", "kcenter", "cluster_entropy"):
        found = pick(sessions, data_dir, image_id, strategy=strategy, k=3, seed=0)
        assert len(set(found["source_ids"])) == 3 and set(found["source_ids"]) <= set(det), strategy
    kcenter = pick(sessions, data_dir, image_id, strategy="kcenter", k=3, seed=0)["source_ids"]
    groups = [{det[0], det[1], det[2], det[6]}, {det[3], det[4], det[7]}, {det[5]}]
    assert all(len(g & set(kcenter)) == 1 for g in groups)  # one from each group: the embedding is covered


def test_a_proposal_chooses_the_same_and_writes_nothing(sessions: sessionmaker[Session], data_dir: Path,
                                                       image_id: int, det: list[int]) -> None:
    with sessions() as session:
        proposal = propose_next(session, data_dir, image_id, strategy="random", k=3, seed=5)
        assert session.scalars(select(Layer).where(Layer.kind == "picked")).first() is None
        session.rollback()
    assert "layer_id" not in proposal and proposal["k"] == 3
    picked = pick(sessions, data_dir, image_id, strategy="random", k=3, seed=5)
    assert picked["source_ids"] == proposal["source_ids"]
    with sessions() as session:
        again = propose_next(session, data_dir, image_id, strategy="random", k=3, seed=5)
    _, copies = picked_layer(sessions, image_id)
    assert again["source_ids"] == proposal["source_ids"] and len(copies) == 3  # a proposal leaves the layer


def test_picks_stay_inside_the_working_set(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                           det: list[int]) -> None:
    allowed = {det[1], det[4], det[6]}
    found = pick(sessions, data_dir, image_id, strategy="random", k=10, seed=0, allowed=allowed)
    assert sorted(found["source_ids"]) == sorted(allowed)
    save_annotation(sessions, image_id, "alice", "1", source_id=det[1])
    save_annotation(sessions, image_id, "alice", "1", source_id=det[4])
    save_annotation(sessions, image_id, "alice", "1", source_id=det[6])
    with pytest.raises(ConflictError, match="in the cuts and regions is labelled: nothing left to pick there"):
        pick(sessions, data_dir, image_id, strategy="random", allowed=allowed)
    assert len(pick(sessions, data_dir, image_id, strategy="random", k=10, allowed=None)["source_ids"]) == 5


def test_uncertainty_asks_the_schemes_binary_question(sessions: sessionmaker[Session], data_dir: Path,
                                                      image_id: int, det: list[int]) -> None:
    """With the LEGUS scheme a 1-or-2 coin toss is certain about "cluster or not" and is not picked first;
    a probe whose classes the scheme cannot group is asked about its own classes."""
    add_encoder(sessions, data_dir, image_id)
    certain = [0.97, 0.01, 0.01, 0.01]
    probs = np.array([[0.5, 0.5, 0.0, 0.0],  # 1 or 2: 0.69 nats over four classes, 0 for cluster or not
                      [0.5, 0.0, 0.5, 0.0],  # cluster or not: 0.69 nats both ways
                      [0.4, 0.3, 0.3, 0.0],  # 1.09 nats over four classes, 0.61 for cluster or not
                      *[certain] * 5])
    with session_scope(sessions) as session:
        encoder = require_encoder(session, image_id)
        probe = add_probe_row(sessions, image_id, encoder.id, ["1", "2", "3", "4"])
        write_predictions(session, image_id, probe, ["1", "2", "3", "4"], probs, load_embeddings(data_dir, encoder))
    found = pick(sessions, data_dir, image_id, strategy="entropy", k=2)
    assert found["question"] == "binary" and found["source_ids"] == [det[1], det[2]]
    assert pick(sessions, data_dir, image_id, strategy="margin", k=1)["source_ids"] == [det[1]]
    assert pick(sessions, data_dir, image_id, strategy="random", k=1, seed=0)["question"] == "classes"
    with session_scope(sessions) as session:  # classes outside the scheme's groups: the probe's own question
        probe = add_probe_row(sessions, image_id, encoder.id, ["a", "b", "c", "d"])
        write_predictions(session, image_id, probe, ["a", "b", "c", "d"], probs, load_embeddings(data_dir, encoder))
    found = pick(sessions, data_dir, image_id, strategy="entropy", k=2)
    assert found["question"] == "classes" and found["source_ids"] == [det[2], det[0]]
