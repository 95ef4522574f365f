"""Scratch databases are dropped even while one of our own sessions is still open on them, with no FORCE."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backend.db.scratch import create_scratch_database, drop_scratch_database
from backend.errors import InputError
from tests.backend.pg import postgres_server_url


@pytest.mark.postgres
def test_a_scratch_database_is_dropped_with_a_session_still_open() -> None:
    server = postgres_server_url()
    scratch = create_scratch_database(server, "skylabel_scratch_test")
    name = make_url(scratch).database
    lingering = create_engine(scratch)
    conn = lingering.connect()  # left open, as a pool or a slow thread would
    conn.execute(text("SELECT 1"))
    try:
        drop_scratch_database(scratch)
    finally:
        conn.invalidate()
        lingering.dispose()
    admin = create_engine(server)
    try:
        with admin.connect() as check:
            assert check.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0
    finally:
        admin.dispose()


def test_a_scratch_database_needs_postgresql() -> None:
    with pytest.raises(InputError, match="postgresql"):
        create_scratch_database("sqlite:///x.db", "nope")
