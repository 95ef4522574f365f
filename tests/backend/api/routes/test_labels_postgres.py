"""The labelling API on PostgreSQL: catalogue import, the triage list sorted by a JSON column (numbers and
text), two clients labelling one source at once (row lock), a client_key retried concurrently, an export
round trip. Skipped with a reason without ``SKYLABEL_TEST_POSTGRES_URL`` (see tests/backend/pg.py)."""

from __future__ import annotations

import threading
import uuid

import pytest
from fastapi.testclient import TestClient

from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)

pytestmark = pytest.mark.postgres
CATALOG = b"id,x,y,mag,note\n1,10,10,21.5,b\n2,50,80,19.0,c\n3,200,150,,a\n4,290,190,20.0,d\n"


@pytest.fixture
def image_id(pg_client: TestClient) -> int:
    image = add_image(pg_client.app.state.sessions, "pg", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    response = pg_client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)})
    assert response.status_code == 201, response.text
    return image


def post(client: TestClient, image_id: int, who: str, class_: str, key: str | None = None) -> int:
    body = {"source_id": 1, "class": class_, "annotator": who, "client_key": key or str(uuid.uuid4())}
    return client.post(f"/api/images/{image_id}/annotations", json=body).status_code


def test_sorting_by_catalogue_columns(pg_client: TestClient, image_id: int) -> None:
    url = f"/api/images/{image_id}/sources/list"
    by_mag = pg_client.get(url, params={"sort": "mag", "order": "desc"}).json()["items"]
    assert [i["id"] for i in by_mag] == [1, 4, 2, 3]  # missing last
    by_note = pg_client.get(url, params={"sort": "note"}).json()["items"]
    assert [i["id"] for i in by_note] == [3, 1, 2, 4]


def test_concurrent_labels_and_retries(pg_client: TestClient, image_id: int) -> None:
    statuses: list[int] = []
    shared_key = str(uuid.uuid4())
    start = threading.Barrier(4)

    def work(who: str, classes: list[str], key: str | None) -> None:
        own = TestClient(pg_client.app)
        start.wait()
        statuses.extend(post(own, image_id, who, c, key) for c in classes)

    threads = [threading.Thread(target=work, args=("alice", ["1", "2"] * 5, None)),
               threading.Thread(target=work, args=("bob", ["3", "4"] * 5, None)),
               threading.Thread(target=work, args=("carol", ["1"], shared_key)),
               threading.Thread(target=work, args=("carol", ["1"], shared_key))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200] + [201] * 21  # the repeated key: one created, one answered with it
    detail = pg_client.get("/api/sources/1").json()
    assert detail["votes"] == {"alice": "2", "bob": "4", "carol": "1"} and detail["n_votes"] == 3
    assert len(detail["history"]) == 21


def test_export_round_trip(pg_client: TestClient, image_id: int) -> None:
    assert post(pg_client, image_id, "alice", "3") == 201
    exported = pg_client.get(f"/api/images/{image_id}/export", params={"format": "votable"})
    assert exported.status_code == 200
    back = pg_client.post(f"/api/images/{image_id}/layers/import", files={"file": ("x.vot", exported.content)})
    assert back.status_code == 201 and back.json()["imported"] == 4 and back.json()["labels"] == 1
