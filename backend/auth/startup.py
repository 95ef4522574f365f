"""Identity at start: local mode gets its implicit owner; accounts mode refuses to start without an owner, unless
``SKYLABEL_SETUP=1``, where the start prints a one-time setup link that makes the owner account
(``POST /api/auth/setup``)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from backend.auth.accounts import ensure_local_owner, owner_exists
from backend.auth.caller import Caller
from backend.auth.secrets import new_token, token_hash
from backend.db.session import session_scope
from backend.errors import StartupRefusedError
from backend.settings import Settings

NO_OWNER = (
    "skylabel runs in accounts mode ({why}) but no owner can sign in. Make one, then start again:\n"
    "    printf '%s' 'a long password' | skylabel users add NAME --role owner --password-stdin\n"
    "or start with SKYLABEL_SETUP=1 for a one-time setup link (printed at start) that makes the owner in the "
    "browser\n(or serve on 127.0.0.1 for local mode: one implicit owner, no login)"
)


def why_accounts(settings: Settings) -> str:
    if settings.auth == "accounts":
        return "SKYLABEL_AUTH=accounts"
    return f"bound to {settings.bind_host}, not a loopback address"


def check_owner(settings: Settings, sessions: sessionmaker[Session]) -> None:
    if needs_setup(settings, sessions) and not settings.setup:
        raise StartupRefusedError(NO_OWNER.format(why=why_accounts(settings)))


def needs_setup(settings: Settings, sessions: sessionmaker[Session]) -> bool:
    """Accounts mode and no owner who can sign in: the setup link (``SKYLABEL_SETUP=1``) is the way in."""
    if settings.resolved_auth != "accounts":
        return False
    with sessions() as session:
        return not owner_exists(session)


def setup_link(base_url: str) -> tuple[str, str]:
    """``(link, token hash)``: the one-time link to print (``/setup#TOKEN``: the token stays out of server logs
    and Referer headers) and what the server keeps to check it. It works until an owner exists."""
    token = new_token()
    return f"{base_url.rstrip('/')}/setup#{token}", token_hash(token)


def prepare_identity(settings: Settings, sessions: sessionmaker[Session]) -> Caller | None:
    """The local caller (local mode), or None after checking that an owner exists (accounts mode)."""
    if settings.resolved_auth == "accounts":
        check_owner(settings, sessions)
        return None
    with session_scope(sessions) as session:
        user = ensure_local_owner(session, settings.local_user)
        return Caller(user.id, user.username, "local")
