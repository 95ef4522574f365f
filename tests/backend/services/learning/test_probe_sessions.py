"""Probe sessions kept between refits (backend/services/learning/probe_sessions.py): one per embedding set
and settings, label-free on every use, features read once, held by one refit at a time."""

from __future__ import annotations

import threading
import time

import numpy as np

from backend.services.learning.model_store import EmbeddingSet
from backend.services.learning.probe_sessions import probe_session


def embeddings(n: int = 12, seed: int = 0) -> EmbeddingSet:
    rng = np.random.default_rng(seed)
    return EmbeddingSet(rng.normal(size=(n, 4)).astype(np.float32), rng.uniform(0, 50, (n, 2)),
                        np.arange(n, dtype=np.int64))


class Features:
    def __init__(self, value: np.ndarray | None) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> np.ndarray | None:
        self.calls += 1
        return self.value


def test_one_session_per_settings_reused_without_its_old_labels() -> None:
    emb = embeddings()
    features = Features(None)
    with probe_session(emb, ["1", "4"], 1.0, None, [], features) as model:
        model.add_labels([0, 1, 2, 3], ["1", "4", "1", "4"])
        model.retrain()
        first = model
        assert model.labels
    with probe_session(emb, ["1", "4"], 1.0, None, [], features) as model:
        assert model is first  # the standardised embeddings are kept
        assert model.labels == {} and model.history == [] and not model.probe.fitted
        assert np.allclose(model.predict(), 0.5)  # untrained again: uniform
    assert features.calls == 1
    others: list[tuple[list[str], float, dict | None, list[str]]] = [
        (["1", "4"], 2.0, None, []), (["4", "1"], 1.0, None, []), (["1", "4"], 1.0, {"start": 0.95}, []),
        (["1", "4"], 1.0, None, ["ci"])]
    for other in others:
        classes, l2, pseudo, names = other
        with probe_session(emb, classes, l2, pseudo, names, Features(None)) as model:
            assert model is not first, other
    assert len(emb.probe_sessions) == 5
    with probe_session(embeddings(seed=1), ["1", "4"], 1.0, None, [], features) as model:
        assert model is not first  # another embedding set (a new encoder) has its own sessions


def test_catalogue_features_are_appended_once() -> None:
    emb = embeddings()
    features = Features(np.arange(24, dtype=np.float64).reshape(12, 2))
    for _ in range(3):
        with probe_session(emb, ["a", "b"], 1.0, None, ["ci", "mag"], features) as model:
            assert model.features is not None and model.features.shape == (12, 2)
    assert features.calls == 1


def test_the_pseudo_key_ignores_dict_order() -> None:
    emb = embeddings()
    with probe_session(emb, ["a", "b"], 1.0, {"start": 0.95, "weight": 0.5}, [], Features(None)) as first:
        pass
    with probe_session(emb, ["a", "b"], 1.0, {"weight": 0.5, "start": 0.95}, [], Features(None)) as second:
        assert second is first


def test_a_session_is_held_by_one_refit_at_a_time() -> None:
    emb = embeddings()
    inside = threading.Event()
    order: list[str] = []

    def other_refit() -> None:
        inside.wait(5)
        with probe_session(emb, ["a", "b"], 1.0, None, [], Features(None)):
            order.append("second in")

    thread = threading.Thread(target=other_refit)
    thread.start()
    with probe_session(emb, ["a", "b"], 1.0, None, [], Features(None)) as model:
        inside.set()
        model.add_labels([0, 1], ["a", "b"])
        time.sleep(0.3)  # the other refit is waiting for the session meanwhile
        order.append("first out")
    thread.join(5)
    assert order == ["first out", "second in"]
