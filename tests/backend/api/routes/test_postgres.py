"""The API's image, annotation and viewport flows on PostgreSQL (the scale-out database of docker-compose).

Skipped with a reason when ``SKYLABEL_TEST_POSTGRES_URL`` is unset, failed when
``SKYLABEL_REQUIRE_POSTGRES=1`` (see tests/backend/pg.py). What differs from SQLite and is checked here:
unique constraints raised by the server (duplicate names, the annotations' client_key), tz-aware timestamps,
JSON columns. (The viewport query itself and its plan on PostgreSQL are tested on the service, in
tests/backend/services/labelling/test_viewport.py.)
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backend.conftest import upload
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)

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
