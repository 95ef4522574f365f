"""Annotated dependencies shared by the routes (full-stack-fastapi-template's habit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from backend.auth.caller import ANONYMOUS, Caller
from backend.services.images.serving_cache import ServingCache
from backend.settings import Settings
from backend.worker.context import WorkerContext
from backend.worker.events import EventHub
from backend.worker.live import LiveLoop


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_serving_cache(request: Request) -> ServingCache:
    return request.app.state.serving_cache  # type: ignore[no-any-return]


def get_worker(request: Request) -> WorkerContext:
    """The worker context of :func:`backend.worker.install.install_learning` (submits tasks)."""
    return request.app.state.learning.worker  # type: ignore[no-any-return]


def get_live(request: Request) -> LiveLoop:
    return request.app.state.learning.live  # type: ignore[no-any-return]


def get_events(request: Request) -> EventHub:
    return request.app.state.learning.hub  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
SessionDep = Annotated[Session, Depends(get_session)]
ServingCacheDep = Annotated[ServingCache, Depends(get_serving_cache)]
WorkerDep = Annotated[WorkerContext, Depends(get_worker)]
LiveDep = Annotated[LiveLoop, Depends(get_live)]
EventsDep = Annotated[EventHub, Depends(get_events)]


def get_caller(request: Request) -> Caller:
    """Who is calling, as :class:`backend.api.guard.AccessGuard` found it (anonymous on a public route)."""
    return getattr(request.state, "caller", ANONYMOUS)  # type: ignore[no-any-return]


CallerDep = Annotated[Caller, Depends(get_caller)]
