"""Throw-away databases on a PostgreSQL server, for the test suite and ``skylabel bench sources``.

Tests and benchmarks must never touch a database someone uses: each run creates its own database next to the
one named in the URL (the role needs CREATEDB, which ``.ci/postgres.sh`` grants) and drops it afterwards.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from backend.errors import InputError


def create_scratch_database(url: str, prefix: str) -> str:
    """Create ``<prefix>_<random>`` on the server of ``url`` and return its URL (password kept)."""
    server = make_url(url)
    if server.get_backend_name() != "postgresql":
        raise InputError(f"a scratch database needs a postgresql:// URL, got {server.get_backend_name()!r}")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as error:
        raise InputError(f"cannot create database {name} on {server.render_as_string()}: "
                         f"{getattr(error, 'orig', None) or error}; the role needs LOGIN and CREATEDB "
                         "(.ci/postgres.sh sets both)") from error
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(url: str, attempts: int = 5) -> None:
    """Drop the database of ``url`` without needing superuser or ``pg_signal_backend``.

    Callers dispose of their engines first; sessions of ours still open on it (a pool's idle connection, a
    thread that has not closed yet) are ended with ``pg_terminate_backend``, which a role may always do to its own
    sessions, then the plain ``DROP DATABASE`` is retried. (``WITH (FORCE)`` also tries to end other roles'
    sessions and fails for a role that is not a member of ``pg_signal_backend``.)
    """
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for attempt in range(attempts):
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND usename = current_user AND pid <> pg_backend_pid()"),
                    {"name": target.database})
                try:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
                    return
                except SQLAlchemyError:
                    if attempt == attempts - 1:
                        raise
                    time.sleep(0.2 * (attempt + 1))
    finally:
        admin.dispose()


@contextmanager
def scratch_database(url: str, prefix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the duration of the ``with`` block."""
    scratch = create_scratch_database(url, prefix)
    try:
        yield scratch
    finally:
        drop_scratch_database(scratch)
