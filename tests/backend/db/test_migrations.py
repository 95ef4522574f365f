"""Alembic migrations (backend/db/migrations) on SQLite and PostgreSQL: they run, down and up again, and the
schema they build is the one the ORM tables declare (``alembic.autogenerate.compare_metadata`` finds nothing).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from backend.db.migrate import alembic_config, upgrade
from backend.db.projects import DEFAULT_PROJECT
from backend.db.scratch import scratch_database
from backend.db.session import make_engine
from backend.db.tables import Base
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_database_fixture,
    pg_url_fixture,
    postgres_server_url,
)

TABLES = {"images", "bands", "renditions", "projects", "layers", "sources", "annotators", "rounds", "round_sources",
          "round_assignments", "round_changes", "adjudications",
          "annotations"}


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def check_round_trip(engine: Engine) -> None:
    """Up to head, down to nothing, up again: every step runs, and head matches the ORM."""
    upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM projects")).scalars().all() == [DEFAULT_PROJECT]


def test_one_head() -> None:
    """Two helpers adding migrations at once must not fork the history."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_sqlite_round_trip_matches_the_orm(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        check_round_trip(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_schema_matches_the_orm(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_round_trip() -> None:
    with scratch_database(postgres_server_url(), "skylabel_test_migrations") as url:
        engine = make_engine(url)
        try:
            check_round_trip(engine)
        finally:
            engine.dispose()
