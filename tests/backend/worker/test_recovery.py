"""A starting worker sends again the runs a killed worker of its host left (backend/worker/recovery.py); the
whole path with a real Celery worker and ``kill -9`` is in tests/e2e/test_scale.py."""

from __future__ import annotations

import socket

from backend.db.learning import TaskRun
from backend.db.session import session_scope
from backend.services.task_runs import get_run, submit_run
from backend.worker.recovery import recover_interrupted
from tests.backend.learning_image import LearningImage

pytest_plugins = ["tests.backend.learning_fixtures"]


class Sent:
    worker = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def enqueue(self, name: str, run_id: int) -> None:
        self.sent.append((name, run_id))

    def close(self) -> None:
        return None


def test_runs_of_dead_workers_of_this_host_are_sent_again(untrained_image: LearningImage) -> None:
    ctx = untrained_image.context()
    ctx.dispatcher = Sent()  # type: ignore[assignment]
    host = socket.gethostname()
    workers = {"dead": f"{host}:999999999", "alive": f"{host}:1", "elsewhere": "other-host:2", "celery": None}
    ids = {}
    for i, (what, worker) in enumerate(workers.items()):
        run, _ = submit_run(ctx.sessions, "predict", untrained_image.image_id, {"case": what})
        with session_scope(ctx.sessions) as session:
            row = session.get(TaskRun, run.id)
            row.status, row.worker, row.attempts = ("running" if i % 2 == 0 else "queued"), worker, 1
        ids[what] = run.id
    assert recover_interrupted(ctx) == [ids["dead"]]
    assert ctx.dispatcher.sent == [("predict", ids["dead"])]  # type: ignore[attr-defined]
    with ctx.sessions() as session:
        recovered = get_run(session, ids["dead"])
        assert recovered.status == "queued" and recovered.worker is None and recovered.attempts == 1
        assert "is gone" in recovered.message
        assert get_run(session, ids["alive"]).status == "queued"  # pid 1 lives: left alone
        assert get_run(session, ids["elsewhere"]).status == "running"  # another host: cannot tell
    assert recover_interrupted(ctx) == []  # nothing twice
    assert [e["id"] for e in ctx.events.kinds("task")] == [ids["dead"]]  # type: ignore[attr-defined]
