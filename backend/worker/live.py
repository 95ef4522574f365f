"""The live loop: every saved label reaches the other maps at once and refits the probe shortly after.

:meth:`LiveLoop.label_saved` (called by the annotation route after the label is committed) publishes a
``labels`` event and schedules a refit of the image's probe :data:`DEBOUNCE_S` later; more labels in that
window push it back (a burst of keyboard labels becomes one refit) but never beyond :data:`MAX_WAIT_S`
after the first, so a steady stream of labels still refreshes the scores. A refit is not asked for while
one for the image is still queued (that one will read the newest labels when it starts), nor before the
image has embeddings. The refit runs as a ``fit_probe`` task (a light lane in-process, or Celery), whose
``scores`` event tells every open map to fetch the new predictions.

The waiting happens on the ``live`` lane of :class:`backend.worker.lanes.Lanes`: one drain at a time, which
sleeps until the earliest refit is due (woken early only by a shutdown), asks for it, and goes on while any
is due; a label that finds no drain scheduled schedules one.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select

from backend.db.learning import TaskRun
from backend.services.learning.model_store import latest_version
from backend.services.learning.probe_fitting import ProbeParams, prepare_probe
from backend.services.task_runs import interrupted
from backend.worker.context import WorkerContext
from backend.worker.lanes import Lanes
from backend.worker.submit import probe_params, submit_fit_probe
from backend.worker.tasks import EXPECTED_ERRORS

log = logging.getLogger("skylabel.worker")
DEBOUNCE_S = 0.3
MAX_WAIT_S = 1.0


class LiveLoop:
    def __init__(self, ctx: WorkerContext, lanes: Lanes, debounce_s: float = DEBOUNCE_S,
                 max_wait_s: float = MAX_WAIT_S) -> None:
        self.ctx, self.lanes = ctx, lanes
        self.debounce_s, self.max_wait_s = debounce_s, max_wait_s
        self._due: dict[int, tuple[float, float]] = {}  # image id -> (first label time, refit time)
        self._lock = threading.Lock()
        self._draining = False

    def label_saved(self, image_id: int, source_id: int, label_class: str | None, blind: bool = False,
                    annotation_id: int | None = None) -> None:
        """A label was committed: tell every map, and refit soon. ``blind``: the source is in an open blind
        round, so the event carries no consensus (maps refetch what they may see). ``annotation_id`` (the
        saved annotation's) lets a map that lost its stream catch up from the last one it heard of."""
        payload: dict[str, object] = {"source_id": source_id, "label_class": None if blind else label_class}
        if annotation_id is not None:
            payload["annotation_id"] = annotation_id
        if blind:
            payload["blind"] = True
        self.ctx.events.publish(image_id, "labels", payload)
        now = time.monotonic()
        with self._lock:
            first = self._due.get(image_id, (now, now))[0]
            self._due[image_id] = (first, min(now + self.debounce_s, first + self.max_wait_s))
            start = not self._draining
            self._draining = True
        if start and self.lanes.submit("live", self._drain) is None:
            with self._lock:
                self._draining = False

    def map_opened(self, image_id: int) -> None:
        """Someone opened the image's map: get its probe ready on the light lane (first refit ~1-3 s cold)."""
        self.lanes.submit("light", self._prepare, image_id)

    def _prepare(self, image_id: int) -> None:
        try:
            prepare_probe(self.ctx.sessions, self.ctx.settings.data_dir, image_id,
                          ProbeParams.from_dict(probe_params(self.ctx, image_id)))
        except EXPECTED_ERRORS as error:
            log.info("probe of image %s not prepared: %s", image_id, error)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._due or self.ctx.stopping.is_set():
                    self._draining = False
                    return
                image_id, (_, when) = min(self._due.items(), key=lambda item: item[1][1])
                wait = when - time.monotonic()
                if wait <= 0:
                    del self._due[image_id]
            if wait > 0:
                self.ctx.stopping.wait(wait)  # a later label only moves a due time later: re-read after
                continue
            self._refit(image_id)

    def _refit(self, image_id: int) -> None:
        try:
            with self.ctx.sessions() as session:
                if latest_version(session, image_id, "byol", embedded=True) is None:
                    return
                waiting = session.scalars(select(TaskRun).where(
                    TaskRun.image_id == image_id, TaskRun.name == "fit_probe", TaskRun.status == "queued")
                ).all()
            if not any(not interrupted(run) for run in waiting):
                submit_fit_probe(self.ctx, image_id)
        except EXPECTED_ERRORS as error:
            log.info("no probe refit for image %s: %s", image_id, error)
        except Exception:
            log.exception("probe refit of image %s could not be submitted", image_id)

    def close(self) -> None:
        """Nothing to stop of its own: the lanes and the context's ``stopping`` flag end the drain."""
        with self._lock:
            self._due.clear()
