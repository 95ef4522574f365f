"""``X-Skylabel-Process``: every answer names the API process that produced it.

Behind a proxy with several API processes (``make scale-demo``, docker-compose's ``api`` replicas) this is how
a test, a benchmark or an operator reading the browser's network panel tells which process served a request.
The name is ``SKYLABEL_PROCESS_NAME`` when set, else ``host:pid``; it identifies, it does not authenticate.
"""

from __future__ import annotations

import os
import socket

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Skylabel-Process"


def process_name(configured: str | None = None) -> str:
    return configured or f"{socket.gethostname()}:{os.getpid()}"


class ProcessHeader:
    """Pure ASGI middleware (streams such as the event stream pass through untouched, headers first)."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.header = (HEADER.lower().encode(), name.encode("latin-1", "replace"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, named)
