"""Probe sessions kept in memory between refits: the live loop refits after every burst of labels.

Building a :class:`models.session.ModelSession` standardises every embedding (15,000 x 256 in float64, 0.15 to
0.6 s on the 2-core development machine), and that part does not change while the embeddings and the probe
settings stay the same. So each :class:`~backend.services.learning.model_store.EmbeddingSet` (cached by file and
modification time) keeps its sessions, one per (classes, settings), and a refit only resets the labels and
fits again. A lock per session serialises refits of one image (several worker threads could ask at once);
catalogue features are read once per session (the columns of imported sources do not change).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from backend.services.learning.model_store import EmbeddingSet

_lock = threading.Lock()


@contextmanager
def probe_session(emb: EmbeddingSet, classes: list[str], l2: float, pseudo: dict[str, Any] | None,
                  feature_names: list[str], features: Callable[[], np.ndarray | None]) -> Iterator[Any]:
    """A label-free :class:`ModelSession` over ``emb`` for these settings, held exclusively while in use."""
    from models.session import ModelSession, SessionConfig

    key = (tuple(classes), float(l2), json.dumps(pseudo, sort_keys=True), tuple(feature_names))
    with _lock:
        entry = emb.probe_sessions.get(key)
        if entry is None:
            entry = emb.probe_sessions[key] = [None, threading.Lock()]
    with entry[1]:
        if entry[0] is None:
            entry[0] = ModelSession(emb.embeddings, classes, SessionConfig(l2=l2, pseudo=pseudo),
                                    features=features())
        model = entry[0]
        model.reset(forget_history=True)  # no memory of earlier refits (their labels are stored)
        yield model
