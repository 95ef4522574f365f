"""Where tasks run: in this process (the embedded default), in the caller (the CLI), or on Celery workers.

- :class:`ThreadDispatcher` (``SKYLABEL_BROKER_URL`` unset): two background lanes in the server process,
  one for heavy tasks (pretrain, embed) and one for light ones (fit_probe, predict, sample), so a probe refit
  after a label never waits behind an hour of pretraining. Daemon threads: a server that stops leaves its runs
  marked with its dead ``host:pid``, and asking again queues them again (resuming from the checkpoint).
- :class:`InlineDispatcher`: runs the task in the calling thread (``skylabel train``), follow-ups included.
- :class:`CeleryDispatcher` (``SKYLABEL_BROKER_URL`` set): sends ``skylabel.<name>`` with the run id to the
  broker; ``celery -A backend.worker.celery_app:celery worker`` runs it (docker-compose's worker).

:func:`submit` is the one way in: it finds or creates the run (:func:`backend.services.task_runs.submit_run`, which
makes a repeated request return the same run) and hands a new or retried one to the dispatcher.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Protocol

from backend.db.learning import TaskRun
from backend.services import task_runs as runs
from backend.worker.context import WorkerContext

log = logging.getLogger("skylabel.worker")
HEAVY = ("pretrain", "embed")


class Dispatcher(Protocol):
    worker: str | None

    def enqueue(self, name: str, run_id: int) -> None: ...

    def close(self) -> None: ...


class InlineDispatcher:
    """Run each task at once in the calling thread."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.worker: str | None = runs.this_worker()

    def enqueue(self, name: str, run_id: int) -> None:
        from backend.worker.tasks import run_task

        run_task(self.ctx, name, run_id)

    def close(self) -> None:
        return None


class ThreadDispatcher:
    """Two daemon worker threads (heavy and light lanes) fed by queues, started on first use."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.worker: str | None = runs.this_worker()
        self._queues: dict[str, queue.Queue[tuple[str, int] | None]] = {
            "heavy": queue.Queue(), "light": queue.Queue()}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def enqueue(self, name: str, run_id: int) -> None:
        lane = "heavy" if name in HEAVY else "light"
        with self._lock:
            if lane not in self._threads:
                self._threads[lane] = threading.Thread(target=self._loop, args=(lane,),
                                                       name=f"skylabel-{lane}", daemon=True)
                self._threads[lane].start()
        self._queues[lane].put((name, run_id))

    def _loop(self, lane: str) -> None:
        from backend.worker.tasks import run_task

        while True:
            item = self._queues[lane].get()
            if item is None:
                return
            try:
                run_task(self.ctx, *item)
            except Exception:  # run_task records failures; this is a bug in the bookkeeping itself
                log.exception("task %s of run %s escaped its error handling", *item)
            finally:
                self._queues[lane].task_done()

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until both lanes are empty (for tests); False on timeout."""
        done = threading.Event()

        def wait() -> None:
            for q in self._queues.values():
                q.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        with self._lock:
            for lane in self._threads:
                self._queues[lane].put(None)
            self._threads.clear()


class CeleryDispatcher:
    """Send tasks to Celery workers through the broker (``apply_async`` honours ``task_always_eager``)."""

    worker: str | None = None

    def __init__(self, celery_app: Any) -> None:
        self.celery = celery_app

    def enqueue(self, name: str, run_id: int) -> None:
        self.celery.tasks[f"skylabel.{name}"].apply_async(args=[run_id])

    def close(self) -> None:
        return None


def make_dispatcher(ctx: WorkerContext, inline: bool = False) -> Dispatcher:
    """The dispatcher the settings ask for: Celery with a broker URL, else threads (inline for the CLI)."""
    if ctx.settings.broker_url:
        from backend.worker.celery_app import celery

        return CeleryDispatcher(celery)
    return InlineDispatcher(ctx) if inline else ThreadDispatcher(ctx)


def submit(ctx: WorkerContext, name: str, image_id: int, params: dict[str, Any]) -> TaskRun:
    """The run for ``(name, image, params)``; queued on the dispatcher when new or being retried."""
    assert ctx.dispatcher is not None, "WorkerContext.dispatcher must be set before submitting tasks"
    run, enqueue = runs.submit_run(ctx.sessions, name, image_id, params, worker=ctx.dispatcher.worker)
    if enqueue:
        ctx.events.publish(image_id, "task", runs.run_event(run))
        ctx.dispatcher.enqueue(name, run.id)
        with ctx.sessions() as session:  # an inline run has finished by now: answer with its state
            return runs.get_run(session, run.id)
    return run


def run_now(ctx: WorkerContext, name: str, image_id: int, params: dict[str, Any]) -> TaskRun:
    """Run a light task in the calling thread whatever the dispatcher (``GET .../learning/next`` answers with
    its result), recorded and idempotent like any other run."""
    from backend.worker.tasks import run_task

    run, enqueue = runs.submit_run(ctx.sessions, name, image_id, params, worker=runs.this_worker())
    if enqueue:
        run_task(ctx, name, run.id)
    with ctx.sessions() as session:
        return runs.get_run(session, run.id)
