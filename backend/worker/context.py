"""What a task needs besides its run id: settings, a database session factory, where to publish events, and
the dispatcher that runs follow-up tasks. The API builds one in ``create_app``, the CLI one per command, a
Celery worker one per process (:func:`backend.worker.celery_app.worker_context`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from backend.settings import Settings
from backend.worker.events import Publisher

if TYPE_CHECKING:
    from backend.worker.dispatch import Dispatcher


@dataclass
class WorkerContext:
    settings: Settings
    sessions: sessionmaker[Session]
    events: Publisher
    dispatcher: Dispatcher | None = None
