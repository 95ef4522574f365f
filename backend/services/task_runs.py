"""Task-run bookkeeping: the ``task_runs`` row is the single record of what a task was asked and how it ended.

Celery's guidance (a task is like a view, idempotent, safe to retry) becomes:

- :func:`submit_run` finds a run with the same task name, image and canonical params (``params_key``). A
  queued, running or finished one is returned as it is (nothing runs twice); a failed or interrupted one is
  queued again, and its task resumes from what it left behind (the BYOL checkpoint).
- :func:`begin` claims a queued run atomically (``UPDATE ... WHERE status = 'queued'``), so two workers
  handed the same id never both run it; a finished run is answered from its recorded result.
- In-process runs carry ``worker = host:pid``: a run whose process is gone was interrupted (a server
  restart), not running, and may be queued again.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import TASK_NAMES, TaskRun
from backend.db.session import session_scope
from backend.db.tables import utcnow
from backend.errors import InputError, NotFoundError

ACTIVE = ("queued", "running")


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def params_key(params: dict[str, Any]) -> str:
    """sha256 of the params as canonical JSON (sorted keys): equal requests, equal keys."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _alive(worker: str | None) -> bool:
    """False when ``worker`` names a process on this host that no longer exists; True when unknown."""
    if not worker or ":" not in worker:
        return True
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def interrupted(run: TaskRun) -> bool:
    return run.status in ACTIVE and not _alive(run.worker)


def submit_run(sessions: sessionmaker[Session], name: str, image_id: int, params: dict[str, Any],
               worker: str | None = None) -> tuple[TaskRun, bool]:
    """``(run, enqueue)``: the run for these params, and whether the caller must hand it to a worker."""
    if name not in TASK_NAMES:
        raise InputError(f"unknown task {name!r}: one of {', '.join(TASK_NAMES)}")
    key = params_key(params)
    with session_scope(sessions) as session:
        run = session.scalars(
            select(TaskRun)
            .where(TaskRun.image_id == image_id, TaskRun.name == name, TaskRun.params_key == key)
            .order_by(TaskRun.id.desc()).limit(1)
        ).first()
        if run is not None and run.status == "done":
            return run, False
        if run is not None and run.status in ACTIVE and not interrupted(run):
            return run, False
        if run is None:
            run = TaskRun(name=name, image_id=image_id, params=params, params_key=key, status="queued",
                          progress=0.0, message="queued", attempts=0, worker=worker)
            session.add(run)
        else:  # failed or interrupted: queue the same run again, its task resumes from what it left
            run.status, run.worker, run.error, run.finished_at = "queued", worker, None, None
            run.message = f"queued again (attempt {run.attempts + 1}) after: {run.message}"
        session.flush()
        return run, True


def get_run(session: Session, run_id: int) -> TaskRun:
    run = session.get(TaskRun, run_id)
    if run is None:
        raise NotFoundError(f"no task with id {run_id}; GET /api/images/{{id}}/tasks lists an image's tasks")
    return run


def begin(sessions: sessionmaker[Session], run_id: int, worker: str | None = None,
          takeover: bool = False) -> tuple[TaskRun, bool]:
    """``(run, claimed)``: the run marked running (attempts + 1), or untouched when it was not queued.

    A running run is taken over when its in-process worker is gone, or with ``takeover`` (Celery redelivered
    the message because the worker holding it died).
    """
    with session_scope(sessions) as session:
        run = get_run(session, run_id)
        allowed = ["queued", "running"] if takeover or interrupted(run) else ["queued"]
        claimed = cast(CursorResult[Any], session.execute(
            update(TaskRun).where(TaskRun.id == run_id, TaskRun.status.in_(allowed))
            .values(status="running", started_at=utcnow(), attempts=TaskRun.attempts + 1, message="started",
                    worker=worker or this_worker())
        )).rowcount
        session.refresh(run)
        return run, bool(claimed)


def report(sessions: sessionmaker[Session], run_id: int, progress: float, message: str) -> None:
    with session_scope(sessions) as session:
        session.execute(update(TaskRun).where(TaskRun.id == run_id, TaskRun.status == "running")
                        .values(progress=max(0.0, min(1.0, float(progress))), message=message[:2000]))


def finish(sessions: sessionmaker[Session], run_id: int, result: dict[str, Any], message: str) -> TaskRun:
    with session_scope(sessions) as session:
        run = get_run(session, run_id)
        run.status, run.progress, run.result, run.message, run.error = "done", 1.0, result, message, None
        run.finished_at = utcnow()
        return run


def fail(sessions: sessionmaker[Session], run_id: int, error: str) -> TaskRun:
    with session_scope(sessions) as session:
        run = get_run(session, run_id)
        run.status, run.error, run.message = "failed", error, f"failed: {error}"[:2000]
        run.finished_at = utcnow()
        return run


def run_public(run: TaskRun) -> dict[str, Any]:
    return {
        "id": run.id, "name": run.name, "image_id": run.image_id, "status": run.status,
        "progress": run.progress, "message": run.message, "params": run.params, "result": run.result,
        "error": run.error,
        "attempts": run.attempts, "created_at": run.created_at, "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def run_event(run: TaskRun) -> dict[str, Any]:
    """The ``task`` event of the SSE stream: small, no params or result."""
    return {"id": run.id, "name": run.name, "status": run.status, "progress": run.progress,
            "message": run.message}


def list_runs(session: Session, image_id: int, limit: int = 50) -> list[TaskRun]:
    if not 1 <= limit <= 1000:
        raise InputError(f"limit must be 1 to 1000, got {limit}")
    return list(session.scalars(
        select(TaskRun).where(TaskRun.image_id == image_id).order_by(TaskRun.id.desc()).limit(limit)))
