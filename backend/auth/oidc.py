"""Institute sign-in with OpenID Connect (institutional SSO, ORCID), through Authlib's Starlette client.

Configured by ``SKYLABEL_OIDC_ISSUER``, ``SKYLABEL_OIDC_CLIENT_ID``, ``SKYLABEL_OIDC_CLIENT_SECRET`` (and
``SKYLABEL_OIDC_SCOPE``, ``SKYLABEL_OIDC_NAME``, ``SKYLABEL_OIDC_DEFAULT_ROLE``). ``GET /api/auth/oidc/login``
sends the browser to the provider; ``GET /api/auth/oidc/callback`` checks the answer (state, ID token), finds or
makes the user linked by ``(issuer, subject)`` in the same user table as password accounts, opens a session
exactly as a password login does, and sends the browser back to the app. The OAuth state lives in a signed
cookie (Starlette's ``SessionMiddleware``, itsdangerous) that only this flow uses.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.middleware.sessions import SessionMiddleware

from backend.auth.accounts import USERNAME, add_user, find_user
from backend.auth.credentials import start_session
from backend.db.session import session_scope
from backend.db.users import User
from backend.errors import AuthenticationError
from backend.settings import Settings

STATE_COOKIE = "skylabel_oidc"
router = APIRouter(prefix="/auth/oidc", tags=["auth"])


def install_oidc(app: FastAPI, settings: Settings) -> None:
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        name="institute",
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",  # type: ignore[union-attr]
        client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": settings.oidc_scope},
    )
    app.state.oauth = oauth
    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key(), session_cookie=STATE_COOKIE,
                       max_age=600, same_site="lax", https_only=False)
    app.include_router(router, prefix="/api")


@router.get("/login")
async def oidc_login(request: Request) -> Any:
    """Go to the institute's sign-in page; it comes back to ``/api/auth/oidc/callback``."""
    return await request.app.state.oauth.institute.authorize_redirect(request, str(request.url_for("oidc_callback")))


@router.get("/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> RedirectResponse:
    from authlib.integrations.base_client.errors import OAuthError
    from fastapi.concurrency import run_in_threadpool

    from backend.api.routes.auth import set_session_cookie

    try:
        token = await request.app.state.oauth.institute.authorize_access_token(request)
    except OAuthError as error:
        raise AuthenticationError(f"the institute sign-in failed: {error.description or error.error}") from None
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub") or not claims.get("iss"):
        raise AuthenticationError("the institute sign-in answered without a subject: try again")
    settings: Settings = request.app.state.settings
    session_token = await run_in_threadpool(_sign_in, request.app.state.sessions, settings, claims)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, session_token, settings.session_hours)
    return response


def _sign_in(sessions: Any, settings: Settings, claims: dict[str, Any]) -> str:
    with session_scope(sessions) as session:
        user = session.scalars(select(User).where(User.oidc_issuer == claims["iss"],
                                                  User.oidc_subject == str(claims["sub"]))).first()
        if user is None:
            user = add_user(session, _free_username(session, claims), role=settings.oidc_default_role,
                            display_name=str(claims.get("name") or "")[:200] or None,
                            email=str(claims["email"])[:320] if claims.get("email") else None,
                            orcid=_orcid(claims))
            user.oidc_issuer, user.oidc_subject = str(claims["iss"])[:500], str(claims["sub"])[:255]
        if user.disabled:
            raise AuthenticationError(f"user {user.username} is disabled")
        token, _ = start_session(session, user, settings.session_hours)
        return token


def _free_username(session: Any, claims: dict[str, Any]) -> str:
    wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
    base = re.sub(r"[^A-Za-z0-9._@-]", "-", wanted).strip("-._@")[:90] or "user"
    if not base[0].isalnum():
        base = "u" + base
    name, n = base, 1
    while find_user(session, name) is not None or not USERNAME.match(name):
        n += 1
        name = f"{base}-{n}"
    return name


def _orcid(claims: dict[str, Any]) -> str | None:
    """ORCID's own provider uses the iD as the subject."""
    sub = str(claims.get("sub", ""))
    return sub if re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", sub) else None
