"""PostgreSQL for the backend tests: one scratch database per test session, emptied before each test.

The server comes from ``SKYLABEL_TEST_POSTGRES_URL`` (``export SKYLABEL_TEST_POSTGRES_URL=$(.ci/postgres.sh)``
starts a local one); without it the PostgreSQL tests skip, saying so, unless ``SKYLABEL_REQUIRE_POSTGRES=1``
(``make test``), which turns the skip into a failure. The session database is created next to the one in the
URL, migrated with :func:`backend.db.migrate.upgrade` (so the tests run the real migrations, not
``create_all``) and dropped at the end. Import the fixtures into a test module (each ``*_fixture`` function
registers the fixture named without the suffix, so test arguments do not shadow the import)::

    from tests.backend.pg import pg_client_fixture, pg_database_fixture, pg_settings_fixture, pg_url_fixture
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from backend.app import create_app
from backend.db.migrate import upgrade
from backend.db.projects import DEFAULT_PROJECT
from backend.db.scratch import create_scratch_database, drop_scratch_database
from backend.db.session import make_engine
from backend.errors import InputError
from backend.settings import Settings

URL_ENV = "SKYLABEL_TEST_POSTGRES_URL"
REQUIRE_ENV = "SKYLABEL_REQUIRE_POSTGRES"
KEPT_TABLES = ("alembic_version", "projects")  # migration state, and the default project 0002 inserts


def postgres_server_url() -> str:
    """The server URL, or skip (fail under ``SKYLABEL_REQUIRE_POSTGRES=1``) naming what to set."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        reason = (f"{URL_ENV} is not set: run `export {URL_ENV}=$(.ci/postgres.sh)` to run the PostgreSQL "
                  "tests")
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    return url


def empty_database(url: str) -> None:
    """Remove every row the tests wrote, keep the schema and the default project, restart the ids."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
            names = [name for (name,) in tables if name not in KEPT_TABLES]
            if names:
                conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
            conn.execute(text("DELETE FROM projects WHERE name <> :name"), {"name": DEFAULT_PROJECT})
    finally:
        engine.dispose()


@pytest.fixture(scope="session", name="pg_database")
def pg_database_fixture() -> Iterator[str]:
    """URL of this test session's migrated scratch database."""
    server = postgres_server_url()
    try:
        url = create_scratch_database(server, "skylabel_test_run")
    except InputError as error:
        pytest.fail(f"{URL_ENV} is set but unusable: {error}")
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    yield url
    drop_scratch_database(url)


@pytest.fixture(name="pg_url")
def pg_url_fixture(pg_database: str) -> str:
    """The session database, emptied for this test."""
    empty_database(pg_database)
    return pg_database


@pytest.fixture(name="pg_settings")
def pg_settings_fixture(tmp_path: Path, pg_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "no-frontend", database_url=pg_url)


@pytest.fixture(name="pg_client")
def pg_client_fixture(pg_settings: Settings) -> Iterator[TestClient]:
    """The app on PostgreSQL; its connection pool is closed after the test so TRUNCATE never waits on it."""
    app = create_app(pg_settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()
