"""Identity at start: local mode gets its implicit owner; accounts mode refuses to start without an owner."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from backend.auth.accounts import ensure_local_owner, owner_exists
from backend.auth.caller import Caller
from backend.db.session import session_scope
from backend.errors import StartupRefusedError
from backend.settings import Settings

NO_OWNER = (
    "skylabel runs in accounts mode ({why}) but no owner can sign in. Make one, then start again:\n"
    "    printf '%s' 'a long password' | skylabel users add NAME --role owner --password-stdin\n"
    "(or serve on 127.0.0.1 for local mode: one implicit owner, no login)"
)


def why_accounts(settings: Settings) -> str:
    if settings.auth == "accounts":
        return "SKYLABEL_AUTH=accounts"
    return f"bound to {settings.bind_host}, not a loopback address"


def check_owner(settings: Settings, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        if not owner_exists(session):
            raise StartupRefusedError(NO_OWNER.format(why=why_accounts(settings)))


def prepare_identity(settings: Settings, sessions: sessionmaker[Session]) -> Caller | None:
    """The local caller (local mode), or None after checking that an owner exists (accounts mode)."""
    if settings.resolved_auth == "accounts":
        check_owner(settings, sessions)
        return None
    with session_scope(sessions) as session:
        user = ensure_local_owner(session, settings.local_user)
        return Caller(user.id, user.username, "local")
