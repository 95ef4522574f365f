"""No input makes a server error: schemathesis over every operation of the OpenAPI schema, on SQLite and
PostgreSQL, bounded by
a fixed number of generated cases per operation (``MAX_EXAMPLES``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backend.api_fuzz import fuzz_all, seeded_app
from tests.backend.pg import pg_database_fixture, pg_url_fixture  # noqa: F401  (fixtures)


def test_no_server_error_on_sqlite(tmp_path: Path) -> None:
    failures = fuzz_all(seeded_app(tmp_path))
    assert failures == []


@pytest.mark.postgres
def test_no_server_error_on_postgres(tmp_path: Path, pg_url: str) -> None:
    app = seeded_app(tmp_path, database_url=pg_url)
    try:
        assert fuzz_all(app) == []
    finally:
        app.state.engine.dispose()
