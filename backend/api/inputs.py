"""Checks every request's inputs share, before any route parses them (one rule for SQLite and PostgreSQL).

- **Integers** in the query string or a JSON body must fit the database's 32-bit ``INTEGER`` (ids, limits,
  offsets): beyond it SQLite raises OverflowError and PostgreSQL "integer out of range" (both a 500 before).
- **Text** may not hold NUL (PostgreSQL refuses it, SQLite stores it silently); its length per field is the
  column's, declared once on the request schemas (``max_length``) and in :func:`clean_text` for form fields.
- **JSON** may nest at most :data:`MAX_DEPTH` levels (GeoJSON needs 4): 50,000 levels made Python's parser
  raise RecursionError.

A violation is a 422 naming the parameter.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.catalogues.jsontext import json_depth
from backend.errors import InputError

MAX_INT = 2**31 - 1
MAX_DEPTH = 32
MAX_QUERY_VALUE = 100_000
_INTEGER = re.compile(r"^[+-]?\d+$")


def clean_text(value: str | None, field: str, max_length: int) -> str | None:
    """A form field's text: no NUL, at most ``max_length`` characters (the column's width)."""
    if value is None:
        return None
    if "\x00" in value:
        raise InputError(f"{field} contains a NUL character")
    if len(value) > max_length:
        raise InputError(f"{field} is {len(value)} characters long: at most {max_length}")
    return value


def check_query(query: str) -> None:
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            raise InputError(f"query {name!r} contains a NUL character")
        if len(value) > MAX_QUERY_VALUE:
            raise InputError(f"query {name} is {len(value)} characters long: at most {MAX_QUERY_VALUE}")
        for part in value.split(","):
            part = part.strip()
            if _INTEGER.match(part) and abs(int(part)) > MAX_INT:
                raise InputError(f"query {name}: {part[:30]} is out of range (at most {MAX_INT})")


def check_json(body: bytes, max_depth: int = MAX_DEPTH) -> None:
    if not body.strip():
        return
    if json_depth(body) > max_depth:
        raise InputError(f"the JSON body nests deeper than {max_depth} levels")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route's validation says what is wrong
    check_values(document, "body")


def check_values(document: Any, where: str) -> None:
    """Integers within the database's range and no NUL in any string or key (iterative: no recursion)."""
    stack: list[tuple[Any, str]] = [(document, where)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise InputError(f"{path}: {str(value)[:30]} is out of range (at most {MAX_INT})")
        elif isinstance(value, str):
            if "\x00" in value:
                raise InputError(f"{path} contains a NUL character")
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise InputError(f"{path} has a key with a NUL character")
                stack.append((item, f"{path}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))


class InputGuard:
    """Pure ASGI middleware applying the checks above to ``/api/`` requests (JSON bodies are buffered: the body
    limit in front of it keeps them under ``SKYLABEL_MAX_JSON_MB``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        try:
            if "\x00" in scope["path"]:
                raise InputError("the path contains a NUL character")
            check_query(scope.get("query_string", b"").decode("latin-1"))
        except InputError as error:
            await _reject(send, str(error))
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if scope["method"] not in ("POST", "PUT", "PATCH") or not content_type.startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            check_json(body)
        except InputError as error:
            await _reject(send, str(error))
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}
    return receive


async def _reject(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
