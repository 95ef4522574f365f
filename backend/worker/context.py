"""What a task needs besides its run id: settings, a database session factory, where to publish events, the
dispatcher that runs follow-up tasks, and whether tasks run in the caller (``inline``: the CLI, tests).

The entry points build it (:func:`backend.worker.install.install_learning` for the API,
:func:`backend.worker.celery_app.worker_context` in a Celery worker, ``skylabel train`` in the CLI) and give
the dispatcher the function that runs a task, so nothing in the worker imports its way back up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from backend.settings import Settings
from backend.worker.events import Publisher


class Dispatcher(Protocol):
    """Runs task ``name`` of run ``run_id`` somewhere: in the caller, on a lane thread, on a Celery worker."""

    worker: str | None  # recorded on the runs it is handed (host:pid in-process; None: whoever takes it)

    def enqueue(self, name: str, run_id: int) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class TaskRequest:
    """A task asked for as data: a task body returns its follow-ups as these, the runner submits them."""

    name: str
    image_id: int
    params: dict[str, Any]


@dataclass
class WorkerContext:
    settings: Settings
    sessions: sessionmaker[Session]
    events: Publisher
    dispatcher: Dispatcher | None = None
    inline: bool = False  # tasks (and their follow-ups) run in the caller before submit returns
    stopping: threading.Event = field(default_factory=threading.Event)  # set at shutdown: long tasks stop
