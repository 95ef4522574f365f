"""Throw-away databases on a PostgreSQL server, for the test suite and ``skylabel bench sources``.

Tests and benchmarks must never touch a database someone uses: each run creates its own database next to the
one named in the URL (the role needs CREATEDB, which ``.ci/postgres.sh`` grants) and drops it afterwards.
"""

from __future__ import annotations

import secrets
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


def drop_scratch_database(url: str) -> None:
    """Drop the database of ``url``, closing other sessions on it (PostgreSQL 13+ ``WITH (FORCE)``)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
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
