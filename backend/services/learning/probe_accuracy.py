"""The probe's cross-validated accuracy, computed after its scores are out, off the refit path.

In the server a refit follows every burst of labels; the 5-fold cross-validation behind the accuracy history
costs as much as the refit itself, and it must not delay the next refit (nor the ``scores`` event). So the
server hands it to one background thread, which keeps only the newest request per image (an accuracy for a
probe already replaced by a newer one is never computed) and writes it into that version's metrics. The CLI
computes it at once (:func:`record_accuracy`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.services.learning.model_store import get_version, latest_version
from backend.services.learning.probe_inputs import CV_FOLDS, cross_validated_accuracy

log = logging.getLogger("skylabel.learning")


@dataclass
class AccuracyRequest:
    sessions: sessionmaker[Session]
    image_id: int
    version_id: int
    x: np.ndarray
    y: np.ndarray
    l2: float
    start: Any  # a LinearProbe snapshot (weight, bias) to warm-start the folds
    started: float


def record_accuracy(request: AccuracyRequest) -> dict[str, Any] | None:
    """Compute and store the accuracy of ``request.version_id``; None when a newer probe replaced it."""
    with request.sessions() as session:
        newest = latest_version(session, request.image_id, "probe")
        if newest is not None and newest.id != request.version_id:
            return None
    accuracy = cross_validated_accuracy(request.x, request.y, request.l2, request.start)
    with session_scope(request.sessions) as session:
        version = get_version(session, request.version_id)
        version.metrics = {**version.metrics, "validation_accuracy": accuracy,
                           "validation": f"{CV_FOLDS}-fold cross-validation on the labels",
                           "seconds": round(time.perf_counter() - request.started, 4)}
        session.flush()
        return dict(version.metrics)


class AccuracyWorker:
    """One daemon thread working through the newest request of each image."""

    def __init__(self) -> None:
        self._pending: dict[int, AccuracyRequest] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, request: AccuracyRequest) -> None:
        with self._cond:
            self._pending[request.image_id] = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="skylabel-accuracy", daemon=True)
                self._thread.start()
            self._cond.notify()

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is pending or being computed (for tests); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    _busy = False

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                _, request = self._pending.popitem()
                self._busy = True
            try:
                record_accuracy(request)
            except Exception:  # the scores are out and correct; only the history misses a point
                log.exception("accuracy of probe version %s could not be computed", request.version_id)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


ACCURACY = AccuracyWorker()
