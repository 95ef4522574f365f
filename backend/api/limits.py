"""Reject oversized request bodies with HTTP 413 and a clear message, before or while they arrive.

Two limits: multipart uploads (FITS files, catalogues) up to ``SKYLABEL_MAX_UPLOAD_MB``; every other body (JSON)
up to ``SKYLABEL_MAX_JSON_MB`` (1 MB: a label is a few hundred bytes, a 10,000-vertex polygon about 300 kB).
``Content-Length`` is checked up front; a chunked body is counted as it streams, and the moment it passes the
limit the client gets the 413 and the route sees a disconnect (never a half body parsed as a 400).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Pure ASGI middleware."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_json_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_json_bytes = max_json_bytes if max_json_bytes is not None else max_bytes

    def _message(self, limit: int, upload: bool) -> bytes:
        limit_mb = limit / 2**20
        if upload:
            detail = (f"upload larger than the limit of {limit_mb:.0f} MB (SKYLABEL_MAX_UPLOAD_MB); "
                      "ingest large images with the CLI: skylabel ingest --name NAME --band F555W=path.fits ...")
        else:
            detail = (f"request body larger than the limit of {limit_mb:g} MB for JSON (SKYLABEL_MAX_JSON_MB); "
                      "send files as multipart uploads")
        return json.dumps({"detail": detail}).encode()

    async def _reject(self, send: Send, limit: int, upload: bool) -> None:
        body = self._message(limit, upload)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        upload = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.max_bytes if upload else self.max_json_bytes
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self._reject(send, limit, upload)
            return
        received = 0
        started = False
        rejected = False

        async def counting_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    rejected = True
                    if not started:
                        await self._reject(send, limit, upload)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if rejected:  # the 413 went out: whatever the route answers after the disconnect is dropped
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not rejected:
                raise
