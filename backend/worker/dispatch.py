"""Where tasks run: in the caller (the CLI), on this process's lanes (the embedded default), or on Celery.

Each dispatcher is given, when it is built, the function that runs a task (``run(name, run_id)``, the
runner's :func:`backend.worker.runner.run_task` bound to a context); so this module knows nothing of the
tasks, and the entry points (:mod:`backend.worker.install`, :mod:`backend.worker.celery_app`, the CLI) wire
the two together.

- :class:`InlineDispatcher`: runs the task in the calling thread (``skylabel train``), follow-ups included.
- :class:`LaneDispatcher` (``SKYLABEL_BROKER_URL`` unset): the heavy, light and accuracy lanes of
  :class:`backend.worker.lanes.Lanes` in the server process. A server that stops leaves its runs marked with
  its dead ``host:pid``, and asking again queues them again (resuming from the checkpoint).
- :class:`CeleryDispatcher` (``SKYLABEL_BROKER_URL`` set): sends ``skylabel.<name>`` with the run id to the
  broker; ``celery -A backend.worker.celery_app:celery worker`` runs it (docker-compose's worker).

:func:`submit` is the one way in: it finds or creates the run (:func:`backend.services.task_runs.submit_run`,
which makes a repeated request return the same run) and hands a new or retried one to the dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.db.learning import TaskRun
from backend.services import task_runs as runs
from backend.worker.context import TaskRequest, WorkerContext
from backend.worker.lanes import Lanes

RunTask = Callable[[str, int], Any]
LANE_OF = {"pretrain": "heavy", "embed": "heavy", "fit_probe": "light", "predict": "light", "sample": "light",
           "probe_accuracy": "accuracy"}


class InlineDispatcher:
    """Run each task at once in the calling thread."""

    def __init__(self, run: RunTask) -> None:
        self.run = run
        self.worker: str | None = runs.this_worker()

    def enqueue(self, name: str, run_id: int) -> None:
        self.run(name, run_id)

    def close(self) -> None:
        return None


class LaneDispatcher:
    """Each task on its lane's thread (heavy, light or accuracy), in order within a lane."""

    def __init__(self, lanes: Lanes, run: RunTask) -> None:
        self.lanes, self.run = lanes, run
        self.worker: str | None = runs.this_worker()

    def enqueue(self, name: str, run_id: int) -> None:
        self.lanes.submit(LANE_OF[name], self.run, name, run_id)

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until every lane is empty (for tests); False on timeout."""
        return self.lanes.idle(timeout)

    def close(self) -> None:
        self.lanes.close()


class CeleryDispatcher:
    """Send tasks to Celery workers through the broker (``apply_async`` honours ``task_always_eager``)."""

    worker: str | None = None

    def __init__(self, celery_app: Any) -> None:
        self.celery = celery_app

    def enqueue(self, name: str, run_id: int) -> None:
        self.celery.tasks[f"skylabel.{name}"].apply_async(args=[run_id])

    def close(self) -> None:
        return None


def submit(ctx: WorkerContext, request: TaskRequest) -> TaskRun:
    """The run for ``request``; queued on the dispatcher when new or being retried."""
    assert ctx.dispatcher is not None, "WorkerContext.dispatcher must be set before submitting tasks"
    run, enqueue = runs.submit_run(ctx.sessions, request.name, request.image_id, request.params,
                                   worker=ctx.dispatcher.worker)
    if not enqueue:
        return run
    ctx.events.publish(request.image_id, "task", runs.run_event(run))
    ctx.dispatcher.enqueue(request.name, run.id)
    if not ctx.inline:  # on a lane or a Celery worker: answer with the run as it was queued
        return run
    with ctx.sessions() as session:  # run in the caller, follow-ups included: answer with how it ended
        return runs.get_run(session, run.id)
