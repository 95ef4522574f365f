"""The one gate every API request passes: cross-site refusal, who is calling, and the access rule.

Order, for a request under ``/api/``:

1. an unsafe method (POST, PUT, PATCH, DELETE) whose ``Origin`` is not this server's own (nor a configured
   CORS origin) is refused with 403: a page on another site cannot upload into skylabel or label in its name;
2. the caller: local mode's implicit owner, or the user of an ``Authorization: Bearer`` API token, or of the
   session cookie (an unsafe request with a cookie also needs the session's ``X-CSRF-Token`` header);
3. the operation's rule in :data:`backend.api.access.RULES`: 401 for an anonymous caller, 403 for a role that
   may not, 404 for an id that names nothing. An API route without a rule is refused (403) and logged.

The caller is left in ``request.state.caller`` for the routes (:data:`backend.api.deps.CallerDep`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api.access import PUBLIC, RESOLVERS, RULES, SIGNED_IN, Rule, project_of, resource_id
from backend.auth.accounts import roles_of
from backend.auth.caller import ANONYMOUS, Caller
from backend.auth.credentials import Credential, session_credential, token_credential
from backend.errors import NotFoundError

log = logging.getLogger("skylabel.access")

SESSION_COOKIE = "skylabel_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
    return re.compile(regex)


def api_templates(openapi: dict[str, Any]) -> list[tuple[str, set[str]]]:
    """Every API path template of the schema with its methods, literal paths first (``/sources/list`` before
    ``/sources/{id}``)."""
    paths = {p: {m.upper() for m in ops} for p, ops in openapi.get("paths", {}).items() if p.startswith("/api/")}
    return sorted(paths.items(), key=lambda item: (item[0].count("{"), item[0]))


class AccessGuard:
    """Pure ASGI middleware (streams pass through untouched)."""

    def __init__(self, app: ASGIApp, templates: Callable[[], list[tuple[str, set[str]]]],
                 sessions: sessionmaker[Session],
                 local_caller: Callable[[], Caller | None], allowed_origins: list[str]) -> None:
        self.app = app
        self.templates = templates
        self._templates: list[tuple[str, set[str], re.Pattern[str]]] | None = None
        self.sessions = sessions
        self.local_caller = local_caller
        self.allowed_origins = {urlsplit(o).netloc for o in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope["method"]
        if method not in SAFE_METHODS and not self._same_origin(headers):
            await _deny(send, 403, "cross-site request refused: the Origin header names another site "
                                   "(set SKYLABEL_CORS_ORIGINS to allow one)")
            return
        found = self._match(scope)
        if found is None:  # no such route (404) or a method it does not have (405): the app says which
            await self.app(scope, receive, send)
            return
        template, methods, params = found
        if method not in methods:  # the path exists, not with this method: the app answers 405
            await self.app(scope, receive, send)
            return
        rule = RULES.get((method, template))
        if rule is None:
            log.error("no access rule for %s %s: refused", method, template)
            await _deny(send, 403, f"no access rule for {method} {template}: add one to backend/api/access.py")
            return
        try:
            check_id_ranges(params)
            local = self.local_caller()
            if local is not None:  # local mode: the implicit owner may do everything; no database round trip
                caller, status, detail = local, 0, ""
            else:
                caller, status, detail = await anyio.to_thread.run_sync(self._decide, headers, method, rule, params)
        except NotFoundError as error:
            await _deny(send, 404, str(error))
            return
        if status:
            await _deny(send, status, detail, www_authenticate=status == 401)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)

    def _same_origin(self, headers: dict[str, str]) -> bool:
        origin = headers.get("origin")
        if origin is None:  # not a browser (CLI, scripts), or a same-origin GET-like navigation
            return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
        netloc = urlsplit(origin).netloc
        return netloc == headers.get("host", "") or netloc in self.allowed_origins

    def _match(self, scope: Scope) -> tuple[str, set[str], dict[str, Any]] | None:
        """The path template (as the OpenAPI schema writes it), its methods, and the path parameters."""
        if self._templates is None:
            self._templates = [(template, methods, _compile(template)) for template, methods in self.templates()]
        path = scope["path"]
        for template, methods, pattern in self._templates:
            found = pattern.fullmatch(path)
            if found:
                return template, methods, found.groupdict()
        return None

    def _decide(self, headers: dict[str, str], method: str, rule: Rule,
                params: dict[str, Any]) -> tuple[Caller, int, str]:
        with self.sessions() as session:
            caller = self._identify(session, headers)
            if rule.role == PUBLIC:
                return caller, 0, ""
            if not caller.authenticated:
                return caller, 401, "sign in first: POST /api/auth/login, or send Authorization: Bearer TOKEN " \
                                    "(skylabel token create --user NAME)"
            if caller.via == "session" and method not in SAFE_METHODS and \
                    headers.get(CSRF_HEADER) != caller.csrf_token:
                return caller, 403, f"missing or wrong {CSRF_HEADER} header: send the csrf_token from login"
            if rule.role == SIGNED_IN:
                return caller, 0, ""
            project_id = project_of(session, rule, params)
            if project_id is None or caller.may(project_id, rule.role):
                return caller, 0, ""
            have = caller.role_on(project_id)
            return caller, 403, (f"{caller.username} is {'a ' + have if have else 'not a member'} on project "
                                 f"{project_id}; this needs the {rule.role} role")

    def _identify(self, session: Session, headers: dict[str, str]) -> Caller:
        credential: Credential | None = None
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            credential = token_credential(session, authorization[7:].strip())
        elif "cookie" in headers:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(headers["cookie"])
            except Exception:  # a malformed cookie header: no session
                return ANONYMOUS
            if SESSION_COOKIE in cookie:
                credential = session_credential(session, cookie[SESSION_COOKIE].value)
        if credential is None:
            return ANONYMOUS
        return Caller(credential.user_id, credential.username, credential.via, roles_of(session, credential.user_id),
                      credential.scopes, credential.csrf_token, credential.credential_id)


def check_id_ranges(params: dict[str, Any]) -> None:
    """A path id beyond the database's integer range names nothing: 404 before any query (a non-number is
    left to the route's validation, 422)."""
    for name in RESOLVERS:
        raw = params.get(name)
        if isinstance(raw, str) and raw.lstrip("-").isdigit() or isinstance(raw, int):
            resource_id(name, raw)


async def _deny(send: Send, status: int, detail: str, www_authenticate: bool = False) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if www_authenticate:
        headers.append((b"www-authenticate", b'Bearer realm="skylabel"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
