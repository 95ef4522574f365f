"""Random secrets and their stored form: a token is shown once, its SHA-256 is what the database keeps."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from pwdlib import PasswordHash

_PASSWORDS = PasswordHash.recommended()  # Argon2id (argon2-cffi), with pwdlib's current parameters
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


def new_token(prefix: str = "") -> str:
    """256 random bits, URL-safe; ``prefix`` says what it is (``skl_`` for API tokens)."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database stores: tokens are long random strings, so a fast hash is enough (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hash_password(password: str) -> str:
    return _PASSWORDS.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches; a user without a password (OIDC only) never matches."""
    if not stored or len(password) > MAX_PASSWORD:
        _PASSWORDS.verify("not the password", _dummy_hash())  # same time whether or not the user exists
        return False
    try:
        return bool(_PASSWORDS.verify(password, stored))
    except Exception:  # a damaged hash: no match
        return False


@cache
def _dummy_hash() -> str:
    return _PASSWORDS.hash("dummy password for constant time")
