"""The Celery application of the scale-out deployment: ``celery -A backend.worker.celery_app:celery worker``.

This module is the worker process's entry point: its :class:`~backend.settings.Settings` are built once
(:func:`worker_settings`, on first need, not at import) and give the broker (``SKYLABEL_BROKER_URL``) and the
worker's context (database, Redis events), whose dispatcher is this app and whose tasks run through
:func:`backend.worker.runner.run_task`. Tasks carry only a run id (JSON); results live in the ``task_runs``
table, so Celery keeps none. Messages are acknowledged after the task (``acks_late``) and given back if the
worker dies, so a killed pretraining is delivered again and resumes from its checkpoint; the visibility
timeout (how long Redis waits before handing an unacknowledged message to another worker) is a day, longer
than any pretraining, so a worker that starts sends again at once what a killed worker of its host left
(``worker_ready``: backend/worker/recovery.py).
"""

from __future__ import annotations

import threading
from typing import Any

from celery import Celery, Task
from celery.signals import worker_ready

from backend.db.learning import TASK_NAMES
from backend.settings import Settings
from backend.worker.context import WorkerContext
from backend.worker.dispatch import CeleryDispatcher
from backend.worker.events import NullPublisher, Publisher, RedisEvents
from backend.worker.runner import run_task

_settings: Settings | None = None
_context: WorkerContext | None = None
_lock = threading.RLock()


def worker_settings() -> Settings:
    """This worker process's settings, read once from ``SKYLABEL_*``."""
    global _settings
    with _lock:
        if _settings is None:
            _settings = Settings()
        return _settings


class _LazyConfig:
    """Celery reads these attributes on first use of the app (``config_from_object`` is lazy)."""

    def __init__(self, broker_url: str | None = None) -> None:
        self._broker_url = broker_url

    task_acks_late = True
    task_reject_on_worker_lost = True
    task_ignore_result = True
    task_serializer = "json"
    accept_content = ["json"]
    worker_prefetch_multiplier = 1
    broker_connection_retry_on_startup = True
    broker_transport_options = {"visibility_timeout": 86400}

    @property
    def broker_url(self) -> str | None:
        return self._broker_url or worker_settings().broker_url


def set_worker_context(ctx: WorkerContext | None) -> None:
    """Use ``ctx`` for the tasks run in this process (tests, an eager API process); None: from settings."""
    global _context
    with _lock:
        _context = ctx


def worker_context() -> WorkerContext:
    """This process's context, built once from :func:`worker_settings` (a worker's database, Redis events)."""
    global _context
    with _lock:
        if _context is None:
            from backend.db.session import open_database
            from tiles.readers import set_readers_per_file

            settings = worker_settings()
            set_readers_per_file(settings.readers_per_file)
            _, sessions = open_database(settings)
            events: Publisher = RedisEvents(settings.broker_url) if settings.broker_url else NullPublisher()
            _context = WorkerContext(settings, sessions, events)
            _context.dispatcher = CeleryDispatcher(celery)
        return _context


def make_celery(broker_url: str | None = None) -> Celery:
    """A Celery app with every task; the broker is ``broker_url`` or the worker settings' one."""
    app = Celery("skylabel", set_as_current=False)
    app.config_from_object(_LazyConfig(broker_url))
    for name in TASK_NAMES:
        _register(app, name)
    return app


def _register(app: Celery, name: str) -> None:
    @app.task(name=f"skylabel.{name}", bind=True, shared=False)
    def task(self: Task, run_id: int) -> dict[str, Any]:
        redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
        return run_task(worker_context(), name, int(run_id), takeover=redelivered)


celery = make_celery()


@worker_ready.connect
def _recover_on_start(**_: Any) -> None:
    """A worker that starts sends again the runs a killed worker of its host left (backend/worker/recovery)."""
    from backend.worker.recovery import recover_interrupted

    try:
        recover_interrupted(worker_context())
    except Exception:  # never keep a worker from starting
        import logging

        logging.getLogger("skylabel.worker").exception("could not recover interrupted runs")
