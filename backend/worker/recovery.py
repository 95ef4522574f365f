"""A worker that starts picks up the runs a killed worker of its host left behind.

With ``acks_late`` the message of a task whose worker died (``kill -9``, a lost machine) stays unacknowledged
in Redis and is only handed out again after the broker's visibility timeout (a day, longer than any
pretraining). Waiting that long after a crash is not what an annotator expects, so when a Celery worker is
ready (``worker_ready``) it looks for runs marked ``queued``/``running`` by a process of this host that no
longer exists (:func:`backend.services.task_runs.interrupted`), queues each again (same run, attempts + 1)
and sends it: the task resumes from what it left (pretraining from its BYOL checkpoint). The old message, if
Redis ever hands it out, finds the run claimed or done and does nothing (:func:`task_runs.begin`).

Runs held by workers on other hosts cannot be checked from here (their pids mean nothing on this host): they
come back with the visibility timeout, or at once when someone asks for the same task again.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from backend.db.learning import TaskRun
from backend.db.session import session_scope
from backend.services import task_runs as runs
from backend.worker.context import WorkerContext

log = logging.getLogger("skylabel.worker")


def recover_interrupted(ctx: WorkerContext) -> list[int]:
    """Queue again and send every run of a dead process of this host; returns their ids."""
    assert ctx.dispatcher is not None, "WorkerContext.dispatcher must be set to send recovered runs"
    with ctx.sessions() as session:
        active = session.scalars(select(TaskRun).where(TaskRun.status.in_(runs.ACTIVE))).all()
        stale = [(run.id, run.name, run.worker) for run in active if runs.interrupted(run)]
    recovered = []
    for run_id, name, dead in stale:
        with session_scope(ctx.sessions) as session:
            requeued = cast(CursorResult[Any], session.execute(
                update(TaskRun).where(TaskRun.id == run_id, TaskRun.status.in_(runs.ACTIVE),
                                      TaskRun.worker == dead)
                .values(status="queued", worker=None,
                        message=f"queued again: its worker {dead} is gone (resumes from what it left)"))
            ).rowcount
        if not requeued:  # another worker starting at the same time got it first
            continue
        with ctx.sessions() as session:
            run = runs.get_run(session, run_id)
        ctx.events.publish(run.image_id, "task", runs.run_event(run))
        ctx.dispatcher.enqueue(name, run_id)
        log.warning("%s run %s was left by the dead worker %s: queued again", name, run_id, dead)
        recovered.append(run_id)
    return recovered
