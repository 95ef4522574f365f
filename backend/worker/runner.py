"""Running one task run: claim it, run its body (:mod:`backend.worker.tasks`), record the outcome, publish
the ``task`` events, and submit the follow-up tasks the body returned.

:func:`run_task` is what every dispatcher is given when an entry point builds it (bound to a context);
:func:`run_now` runs a light task in the calling thread whatever the dispatcher (``POST .../learning/next``
and ``skylabel next`` answer with its result).
"""

from __future__ import annotations

import logging
from typing import Any

from backend.db.learning import TaskRun
from backend.services import task_runs as runs
from backend.worker.context import TaskRequest, WorkerContext
from backend.worker.dispatch import submit
from backend.worker.tasks import BODIES, EXPECTED_ERRORS, Reporter, TaskStopped

log = logging.getLogger("skylabel.worker")


def run_task(ctx: WorkerContext, name: str, run_id: int, takeover: bool = False) -> dict[str, Any]:
    """Run task ``name`` for run ``run_id``: claim it, run its body, record the outcome, submit follow-ups."""
    worker = ctx.dispatcher.worker if ctx.dispatcher else None
    run, claimed = runs.begin(ctx.sessions, run_id, worker, takeover)
    if not claimed:
        return run.result or {"status": run.status}
    ctx.events.publish(run.image_id, "task", runs.run_event(run))
    try:
        outcome = BODIES[name](ctx, run, Reporter(ctx, run))
    except TaskStopped as stopped:  # left running under this (ending) process: asking again resumes it
        log.info("%s", stopped)
        return {"status": "stopped"}
    except EXPECTED_ERRORS as error:
        return _failed(ctx, run, str(error))
    except Exception as error:  # a bug, not a user's problem: keep the trace in the log, the gist in the run
        log.exception("task %s (run %s) failed unexpectedly", name, run_id)
        return _failed(ctx, run, f"unexpected {type(error).__name__}: {error} (details in the server log)")
    done = runs.finish(ctx.sessions, run_id, outcome.result, outcome.message)
    ctx.events.publish(done.image_id, "task", runs.run_event(done))
    for follow in outcome.follow_ups:
        try:
            submit(ctx, follow)
        except EXPECTED_ERRORS as error:
            log.info("no %s after %s run %s: %s", follow.name, name, run_id, error)
    return outcome.result


def _failed(ctx: WorkerContext, run: TaskRun, error: str) -> dict[str, Any]:
    failed = runs.fail(ctx.sessions, run.id, error)
    ctx.events.publish(failed.image_id, "task", runs.run_event(failed))
    return {"error": error}


def run_now(ctx: WorkerContext, request: TaskRequest) -> TaskRun:
    """Run a light task in the calling thread whatever the dispatcher, recorded and idempotent like any
    other run (its follow-ups go to the dispatcher)."""
    run, enqueue = runs.submit_run(ctx.sessions, request.name, request.image_id, request.params,
                                   worker=runs.this_worker())
    if enqueue:
        run_task(ctx, request.name, run.id)
    with ctx.sessions() as session:
        return runs.get_run(session, run.id)
