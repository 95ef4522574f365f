"""Schemathesis over the OpenAPI schema, against an app holding one real image with a layer, sources, a label
and a round (ids 1), so generated ids often name something. Shared by the SQLite and PostgreSQL tests.

Left out: the event stream (it never ends) and the two training routes (a valid body starts BYOL, minutes of
CPU); their inputs are plain pydantic models checked like every other body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import Settings
from tests.backend.conftest import upload
from tests.backend.fits_factory import write_bands

EXCLUDED = r"/events$|/learning/(pretrain|retrain)$"
CSV = b"id,x,y,ra,dec\n1,10,10,10.1,41.2\n2,50,80,10.2,41.3\n3,200,150,10.3,41.1\n"
MAX_EXAMPLES = 25


def seeded_app(tmp_path: Path, database_url: str | None = None) -> FastAPI:
    settings = Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "no-frontend", database_url=database_url)
    app = create_app(settings)
    client = TestClient(app)
    image = upload(client, "fuzz-galaxy", write_bands(tmp_path / "fits"))
    assert image.status_code == 201, image.text
    layer = client.post("/api/images/1/layers/import", files={"file": ("det.csv", CSV)})
    assert layer.status_code == 201, layer.text
    assert client.post("/api/images/1/annotations", json={"source_id": 1, "class": "1"}).status_code == 201
    assert client.post("/api/images/1/rounds", json={"name": "first"}).status_code == 201
    return app


def fuzz_all(app: FastAPI, max_examples: int = MAX_EXAMPLES) -> list[str]:
    """Every operation but the excluded ones, ``max_examples`` generated cases each: the server errors found."""
    import re

    import schemathesis

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not re.search(EXCLUDED, operation.path):
            failures += fuzz_operation(operation, max_examples)
    return failures


def fuzz_operation(operation: Any, max_examples: int) -> list[str]:
    """Generated cases of one operation, each also sent with its path ids set to the seeded rows (1)."""
    from hypothesis import HealthCheck, given, settings

    found: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def run(case: Any) -> None:
        found.extend(server_error(case))
        ids = {k: 1 for k in (case.path_parameters or {}) if k.endswith("_id")}
        if ids and case.method.upper() != "DELETE":  # the same inputs on the seeded image, layer, source...
            case.path_parameters = {**case.path_parameters, **ids}
            found.extend(server_error(case))

    run()
    return found[:3]


def server_error(case: Any) -> list[str]:
    where = f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:200]}"
    try:
        response = case.call()
    except Exception as error:  # the test transport re-raises what the app did not handle: a 500
        return [f"{where}: {type(error).__name__}: {str(error)[:200]}"]
    if response.status_code >= 500:
        return [f"{where}: {response.status_code} {response.text[:200]}"]
    return []
