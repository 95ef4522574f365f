"""Wire the AI loop into an app: the event hub, the task dispatcher, the live loop (``create_app`` calls it).

Embedded default (no ``SKYLABEL_BROKER_URL``): events go straight to the in-process hub and tasks to two
background threads. With a broker: events go through Redis (and come back through the bridge, so maps
connected to this process see the Celery workers' events too) and tasks go to Celery.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from backend.settings import Settings
from backend.worker.context import WorkerContext
from backend.worker.dispatch import make_dispatcher
from backend.worker.events import EventHub, Publisher, RedisEvents
from backend.worker.live import LiveLoop


def install_learning(app: FastAPI, settings: Settings, sessions: sessionmaker[Session]) -> WorkerContext:
    hub = EventHub()
    events: Publisher = hub
    if settings.broker_url:
        redis_events = RedisEvents(settings.broker_url)
        redis_events.bridge(hub)
        events = redis_events
    ctx = WorkerContext(settings, sessions, events)
    ctx.dispatcher = make_dispatcher(ctx)
    app.state.events_hub = hub
    app.state.worker = ctx
    app.state.live = LiveLoop(ctx)
    app.router.on_shutdown.append(lambda: close_learning(app))
    return ctx


def close_learning(app: FastAPI) -> None:
    """Stop the live loop, the dispatcher's threads and the Redis bridge (idempotent)."""
    app.state.live.close()
    ctx: WorkerContext = app.state.worker
    if ctx.dispatcher is not None:
        ctx.dispatcher.close()
    if isinstance(ctx.events, RedisEvents):
        ctx.events.close()
