"""The live loop: every saved label reaches the other maps at once and refits the probe shortly after.

:meth:`LiveLoop.label_saved` (called by the annotation route after the label is committed) publishes a
``labels`` event and schedules a refit of the image's probe :data:`DEBOUNCE_S` later; more labels in that
window push it back (a burst of keyboard labels becomes one refit) but never beyond :data:`MAX_WAIT_S`
after the first, so a steady stream of labels still refreshes the scores. A refit is not asked for while
one for the image is still queued (that one will read the newest labels when it starts), nor before the
image has embeddings. The refit runs as a ``fit_probe`` task (a light lane in-process, or Celery), whose
``scores`` event tells every open map to fetch the new predictions.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select

from backend.db.learning import TaskRun
from backend.services.learning.model_store import latest_version
from backend.services.task_runs import interrupted
from backend.worker.context import WorkerContext
from backend.worker.tasks import EXPECTED_ERRORS

log = logging.getLogger("skylabel.worker")
DEBOUNCE_S = 0.3
MAX_WAIT_S = 1.0


class LiveLoop:
    def __init__(self, ctx: WorkerContext, debounce_s: float = DEBOUNCE_S,
                 max_wait_s: float = MAX_WAIT_S) -> None:
        self.ctx = ctx
        self.debounce_s, self.max_wait_s = debounce_s, max_wait_s
        self._due: dict[int, tuple[float, float]] = {}  # image id -> (first label time, refit time)
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None  # started by the first label


    def label_saved(self, image_id: int, source_id: int, label_class: str | None, blind: bool = False) -> None:
        """A label was committed: tell every map, and refit soon. ``blind``: the source is in an open blind
        round, so the event carries no consensus (maps refetch what they may see)."""
        payload: dict[str, object] = {"source_id": source_id, "label_class": None if blind else label_class}
        if blind:
            payload["blind"] = True
        self.ctx.events.publish(image_id, "labels", payload)
        now = time.monotonic()
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="skylabel-live", daemon=True)
                self._thread.start()
            first = self._due.get(image_id, (now, now))[0]
            self._due[image_id] = (first, min(now + self.debounce_s, first + self.max_wait_s))
            self._cond.notify()

    def map_opened(self, image_id: int) -> None:
        """Someone opened the image's map: get its probe ready in the background (first refit ~1-3 s cold)."""
        threading.Thread(target=self._prepare, args=(image_id,), name="skylabel-prepare", daemon=True).start()

    def _prepare(self, image_id: int) -> None:
        from backend.services.learning.probe_fitting import ProbeParams, prepare_probe
        from backend.worker.submit import probe_params

        try:
            prepare_probe(self.ctx.sessions, self.ctx.settings.data_dir, image_id,
                          ProbeParams.from_dict(probe_params(self.ctx, image_id)))
        except EXPECTED_ERRORS as error:
            log.info("probe of image %s not prepared: %s", image_id, error)
        except Exception:
            log.exception("probe of image %s could not be prepared", image_id)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                if not self._due:
                    self._cond.wait()
                    continue
                image_id, (_, when) = min(self._due.items(), key=lambda item: item[1][1])
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                del self._due[image_id]
            self._refit(image_id)

    def _refit(self, image_id: int) -> None:
        from backend.worker.submit import submit_fit_probe

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
        with self._cond:
            self._stopped = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=2)
