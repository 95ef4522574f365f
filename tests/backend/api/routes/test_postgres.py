"""The API's image, annotation and viewport flows on PostgreSQL (the scale-out database of docker-compose).

Skipped with a reason when ``SKYLABEL_TEST_POSTGRES_URL`` is unset, failed when
``SKYLABEL_REQUIRE_POSTGRES=1`` (see tests/backend/pg.py). What differs from SQLite and is checked here:
unique constraints raised by the server (duplicate names, the annotations' client_key), tz-aware timestamps,
JSON columns, the query plans.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from backend.db.session import make_engine, make_sessionmaker
from backend.services.labelling.viewport import viewport_select
from benchmarks.sources import fill
from tests.backend.conftest import upload
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)
from tests.backend.services.labelling.test_viewport import check_against_brute_force, fill_random

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_image(pg_client: TestClient, bands: dict[str, Path]) -> dict[str, Any]:
    response = upload(pg_client, "pg-galaxy", bands)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def label(client: TestClient, image_id: int, annotator: str, cls: str | None, key: str | None = None,
          **target: Any) -> Any:
    body = {"annotator": annotator, "class": cls, "client_key": key or str(uuid.uuid4()), **target}
    return client.post(f"/api/images/{image_id}/annotations", json=body)


def test_image_flow(pg_client: TestClient, pg_image: dict[str, Any], bands: dict[str, Path]) -> None:
    listed = pg_client.get("/api/images").json()
    assert [item["name"] for item in listed["items"]] == ["pg-galaxy"]
    one = pg_client.get(f"/api/images/{pg_image['id']}").json()
    assert (one["width"], one["height"]) == (300, 200)
    assert one["created_at"].endswith(("Z", "+00:00"))
    duplicate = upload(pg_client, "pg-galaxy", bands)
    assert duplicate.status_code == 409 and "pg-galaxy" in duplicate.json()["detail"]
    assert pg_client.get(f"/api/images/{pg_image['id']}/scheme").json()["name"] == "LEGUS"
    assert pg_client.delete(f"/api/images/{pg_image['id']}").status_code == 204
    assert pg_client.get(f"/api/images/{pg_image['id']}").status_code == 404


def test_annotation_flow(pg_client: TestClient, pg_image: dict[str, Any]) -> None:
    image_id = pg_image["id"]
    point = {"type": "Point", "coordinates": [120.5, 80.25]}
    first = label(pg_client, image_id, "ana", "1", key="k-1", geometry=point)
    assert first.status_code == 201, first.text
    source = first.json()["source"]
    assert (source["x"], source["y"], source["label_class"], source["n_votes"]) == (120.5, 80.25, "1", 1)
    again = label(pg_client, image_id, "ana", "1", key="k-1", geometry=point)
    assert again.status_code == 200
    assert again.json()["annotation"]["id"] == first.json()["annotation"]["id"]
    assert label(pg_client, image_id, "ben", "2", source_id=source["id"]).status_code == 201
    assert label(pg_client, image_id, "cai", "2", source_id=source["id"]).status_code == 201
    detail = pg_client.get(f"/api/sources/{source['id']}").json()
    assert detail["votes"] == {"ana": "1", "ben": "2", "cai": "2"}
    assert (detail["label_class"], detail["n_votes"]) == ("2", 3)
    assert len(detail["history"]) == 3
    assert label(pg_client, image_id, "ana", "9", source_id=source["id"]).status_code == 422
    synced = pg_client.get(f"/api/images/{image_id}/annotations",
                           params={"after_id": first.json()["annotation"]["id"]}).json()
    assert synced["count"] == 2


def test_viewport_flow(pg_client: TestClient, pg_image: dict[str, Any]) -> None:
    image_id = pg_image["id"]
    csv = "id,x,y\n" + "".join(f"s{i},{10 + 25 * i},{5 + 15 * i}\n" for i in range(12))
    imported = pg_client.post(f"/api/images/{image_id}/layers/import", data={"format": "csv", "name": "cat"},
                              files={"file": ("cat.csv", csv.encode(), "text/csv")})
    assert imported.status_code == 201, imported.text
    layer = imported.json()["layer"]["id"]
    window = pg_client.get(f"/api/images/{image_id}/sources", params={"bbox": "35,20,110,65"}).json()
    assert sorted((s["x"], s["y"]) for s in window["sources"]) == [(35.0, 20.0), (60.0, 35.0), (85.0, 50.0),
                                                                    (110.0, 65.0)]
    assert window["truncated"] is False and {s["layer_id"] for s in window["sources"]} == {layer}
    target = next(s for s in window["sources"] if s["x"] == 60.0)
    assert label(pg_client, image_id, "ana", "3", source_id=target["id"]).status_code == 201
    labelled = pg_client.get(f"/api/images/{image_id}/sources",
                             params={"bbox": "0,0,299,199", "state": "labelled", "classes": "3"}).json()
    got = [(s["id"], s["label_class"], s["n_votes"]) for s in labelled["sources"]]
    assert got == [(target["id"], "3", 1)]
    cut = pg_client.get(f"/api/images/{image_id}/sources", params={"limit": 5}).json()
    assert (cut["count"], cut["truncated"]) == (5, True)


def test_viewport_matches_brute_force(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        data = fill_random(engine, seed=3)
        check_against_brute_force(make_sessionmaker(engine), data, count=80)
    finally:
        engine.dispose()


def test_viewport_filters_are_index_conditions(pg_url: str) -> None:
    """The planner seeks ix_sources_viewport and checks every condition there (migration 0003), none on
    table rows, with or without a class / state filter."""
    engine = make_engine(pg_url)
    try:
        image_id, layer_ids = fill(engine, 20_000)  # with ANALYZE statistics, as autovacuum keeps them
        for classes, state in ((None, "all"), (["1", "2"], "all"), (None, "labelled")):
            stmt = viewport_select(image_id, layer_ids, (4000.0, 4000.0, 4600.0, 4400.0), classes, state,
                                   "postgresql")
            compiled = stmt.limit(5001).compile(engine, compile_kwargs={"literal_binds": True})
            with engine.connect() as conn:
                plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_sources_viewport" in plan, plan
            assert "Filter:" not in plan, plan
            assert "row_band = ANY" in plan and "y >=" in plan, plan
    finally:
        engine.dispose()
