"""Wire the AI loop into an app: the event hub, the lanes, the task dispatcher, the live loop (``create_app``
calls it). This is one of the two places a dispatcher is given the function that runs a task (the other is
:mod:`backend.worker.celery_app`).

Embedded default (no ``SKYLABEL_BROKER_URL``): events go straight to the in-process hub and tasks to the
lanes of :class:`backend.worker.lanes.Lanes`. With a broker: events go through Redis (and come back through
the bridge, so maps connected to this process see the Celery workers' events too) and tasks go to Celery.
Routes reach what is built here through the ``WorkerDep``, ``LiveDep`` and ``EventsDep`` dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from backend.settings import Settings
from backend.worker.context import Dispatcher, WorkerContext
from backend.worker.dispatch import CeleryDispatcher, LaneDispatcher
from backend.worker.events import EventHub, Publisher, RedisEvents
from backend.worker.lanes import Lanes
from backend.worker.live import LiveLoop
from backend.worker.runner import run_task


@dataclass
class Learning:
    """What the routes of the AI loop use: the worker context, the live loop, the event hub."""

    worker: WorkerContext
    live: LiveLoop
    hub: EventHub
    lanes: Lanes

    def close(self) -> None:
        """Stop the live loop, the lanes (running tasks stop at their next report) and the Redis bridge."""
        self.live.close()
        if self.worker.dispatcher is not None:
            self.worker.dispatcher.close()
        self.lanes.close()
        if isinstance(self.worker.events, RedisEvents):
            self.worker.events.close()


def install_learning(app: FastAPI, settings: Settings, sessions: sessionmaker[Session]) -> Learning:
    hub = EventHub()
    events: Publisher = hub
    if settings.broker_url:
        redis_events = RedisEvents(settings.broker_url)
        redis_events.bridge(hub)
        events = redis_events
    ctx = WorkerContext(settings, sessions, events)
    lanes = Lanes(stopping=ctx.stopping)
    dispatcher: Dispatcher
    if settings.broker_url:
        from backend.worker.celery_app import make_celery

        dispatcher = CeleryDispatcher(make_celery(settings.broker_url))
    else:
        dispatcher = LaneDispatcher(lanes, partial(run_task, ctx))
    ctx.dispatcher = dispatcher
    learning = Learning(ctx, LiveLoop(ctx, lanes), hub, lanes)
    app.state.learning = learning
    app.router.on_shutdown.append(learning.close)
    return learning


def close_learning(app: FastAPI) -> None:
    """Stop what :func:`install_learning` started (idempotent)."""
    app.state.learning.close()
