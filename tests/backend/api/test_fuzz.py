"""No input makes a server error: schemathesis over every operation of the OpenAPI schema (SQLite), bounded by
a fixed number of generated cases per operation (``MAX_EXAMPLES``)."""

from __future__ import annotations

from pathlib import Path

from tests.backend.api_fuzz import fuzz_all, seeded_app


def test_no_server_error_on_sqlite(tmp_path: Path) -> None:
    failures = fuzz_all(seeded_app(tmp_path))
    assert failures == []
