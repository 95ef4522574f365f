"""Sign-in: password login to a server-side session (cookie + CSRF token), logout, who am I.

``POST /api/auth/login`` sets an HttpOnly, SameSite=Lax cookie (Secure when served over https) and answers with
the CSRF token that unsafe requests of that session send in ``X-CSRF-Token``. Scripts use API tokens instead
(``skylabel token create``; ``Authorization: Bearer``), which need no CSRF token.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backend.api.deps import CallerDep, SessionDep, SettingsDep
from backend.api.guard import SESSION_COOKIE
from backend.auth.accounts import add_user, find_user, owner_exists, roles_of
from backend.auth.caller import Caller
from backend.auth.credentials import end_session, start_session
from backend.auth.secrets import token_hash, verify_password
from backend.auth.throttle import LoginThrottle
from backend.errors import AuthenticationError, ConflictError, PermissionDeniedError

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1024)


class Me(BaseModel):
    username: str
    display_name: str = ""
    roles: dict[str, str] = Field(description="project id -> role")
    mode: str = Field(description="local | accounts")
    via: str = Field(description="local | session | token")
    csrf_token: str | None = Field(None, description="send it in X-CSRF-Token with unsafe requests (sessions)")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def set_session_cookie(response: Response, request: Request, token: str, hours: float) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(hours * 3600), httponly=True, samesite="lax",
                        secure=is_https(request), path="/")


@router.get("/config")
def get_config(settings: SettingsDep) -> dict[str, Any]:
    """What the login dialog offers: the mode, and an institute sign-in when OpenID Connect is configured."""
    return {"mode": settings.resolved_auth, "oidc": settings.oidc_enabled, "oidc_name": settings.oidc_name}


@router.post("/login", response_model=Me)
def login(body: LoginRequest, request: Request, response: Response, session: SessionDep,
          settings: SettingsDep) -> dict[str, Any]:
    """Check the password and open a session; 401 for a wrong username or password (the same answer for both);
    429 with ``Retry-After`` after too many failures (:mod:`backend.auth.throttle`)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else ""
    throttle.check(body.username, address)
    user = find_user(session, body.username.strip())
    if not verify_password(body.password, user.password_hash if user else None) or user is None or user.disabled:
        throttle.failed(body.username, address)
        raise AuthenticationError("wrong username or password")
    throttle.succeeded(body.username, address)
    token, row = start_session(session, user, settings.session_hours)
    session.commit()
    set_session_cookie(response, request, token, settings.session_hours)
    return me_public(user.username, user.display_name, roles_of(session, user.id), settings.resolved_auth,
                     "session", row.csrf_token)


class SetupRequest(BaseModel):
    token: str = Field(max_length=200, description="the token of the setup link printed at start")
    username: str = Field(max_length=100)
    password: str = Field(max_length=1024)
    display_name: str = Field("", max_length=200)


@router.post("/setup", response_model=Me)
def setup(body: SetupRequest, request: Request, response: Response, session: SessionDep,
          settings: SettingsDep) -> dict[str, Any]:
    """Make the first owner with the one-time setup link (``SKYLABEL_SETUP=1``; the token printed at start) and
    sign them in. 403 for a wrong token; 409 once an owner exists: the link is used up."""
    expected = request.app.state.setup_token_hash
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else ""
    throttle.check("setup", address)
    if not expected or not hmac.compare_digest(token_hash(body.token), expected):
        throttle.failed("setup", address)
        raise PermissionDeniedError("wrong setup link: use the one the server printed at start")
    if owner_exists(session):
        raise ConflictError("the setup link is used: an owner exists; sign in, or ask the owner for an account")
    user = add_user(session, body.username.strip(), body.password, role="owner",
                    display_name=body.display_name.strip() or None)
    session.flush()
    token, row = start_session(session, user, settings.session_hours)
    session.commit()
    request.app.state.setup_token_hash = ""  # this process forgets it; others see the owner
    set_session_cookie(response, request, token, settings.session_hours)
    return me_public(user.username, user.display_name, roles_of(session, user.id), settings.resolved_auth,
                     "session", row.csrf_token)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, session: SessionDep) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session, token)
        session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=Me)
def me(caller: CallerDep, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    return caller_public(caller, session, settings.resolved_auth)


def caller_public(caller: Caller, session: Any, mode: str) -> dict[str, Any]:
    from backend.db.users import User

    user = session.get(User, caller.user_id) if caller.user_id is not None else None
    roles = roles_of(session, caller.user_id) if caller.user_id is not None else {}
    roles = {pid: role for pid in roles if (role := caller.role_on(pid))}
    return me_public(caller.username or "", user.display_name if user else "", roles, mode, caller.via,
                     caller.csrf_token)


def me_public(username: str, display_name: str, roles: dict[int, str], mode: str, via: str,
              csrf: str | None) -> dict[str, Any]:
    return {"username": username, "display_name": display_name, "roles": {str(k): v for k, v in roles.items()},
            "mode": mode, "via": via, "csrf_token": csrf}
