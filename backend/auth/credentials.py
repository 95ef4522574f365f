"""Login sessions (browser cookie) and API tokens (``Authorization: Bearer``): made, looked up, revoked.

Both are random strings handed out once; the tables keep their SHA-256, an expiry and when they were last
used, so an owner can see and revoke them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.auth.roles import check_scopes
from backend.auth.secrets import new_token, token_hash
from backend.db.tables import utcnow
from backend.db.users import ApiToken, LoginSession, User
from backend.errors import InputError

TOKEN_PREFIX = "skl_"
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most once a minute per session


@dataclass(frozen=True)
class Credential:
    user_id: int
    username: str
    via: str  # "session" | "token"
    scopes: list[str] | None  # None for a session: the roles as they are
    csrf_token: str | None = None
    credential_id: int = 0


def start_session(session: Session, user: User, hours: float) -> tuple[str, LoginSession]:
    token = new_token()
    now = utcnow()
    row = LoginSession(user_id=user.id, token_hash=token_hash(token), csrf_token=new_token(), created_at=now,
                       expires_at=now + timedelta(hours=hours), last_seen_at=now)
    session.add(row)
    session.flush()
    return token, row


def end_session(session: Session, token: str) -> None:
    session.execute(update(LoginSession).where(LoginSession.token_hash == token_hash(token))
                    .values(revoked_at=utcnow()))


def session_credential(session: Session, token: str) -> Credential | None:
    row = session.execute(
        select(LoginSession, User).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    login, user = row
    now = utcnow()
    if login.revoked_at is not None or login.expires_at <= now or user.disabled:
        return None
    if now - login.last_seen_at > TOUCH_EVERY:
        login.last_seen_at = now
        session.commit()
    return Credential(user.id, user.username, "session", None, login.csrf_token, login.id)


def create_api_token(session: Session, user: User, name: str, scopes: list[str],
                     days: float | None = None) -> tuple[str, ApiToken]:
    name = name.strip() or "token"
    if len(name) > 100:
        raise InputError("a token name has at most 100 characters")
    if days is not None and not 0 < days <= 3650:
        raise InputError(f"a token lives 0 to 3650 days, got {days}")
    token = new_token(TOKEN_PREFIX)
    now = utcnow()
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token), scopes=check_scopes(scopes or ["read"]),
                   created_at=now, expires_at=None if days is None else now + timedelta(days=days))
    session.add(row)
    session.flush()
    return token, row


def token_credential(session: Session, token: str) -> Credential | None:
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    now = utcnow()
    if api_token.revoked_at is not None or user.disabled or (
            api_token.expires_at is not None and api_token.expires_at <= now):
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > TOUCH_EVERY:
        api_token.last_used_at = now
        session.commit()
    return Credential(user.id, user.username, "token", list(api_token.scopes), None, api_token.id)


def revoke_token(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))


def expires_in(moment: datetime | None) -> float | None:
    return None if moment is None else (moment - utcnow()).total_seconds()
