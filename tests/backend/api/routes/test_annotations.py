"""Labelling through the API: save (201, 200 on a retried key), refusals, a source's votes and history,
next / previous, the triage list, the viewport, syncing, rounds, schemes and annotators, two clients at
once, and labels that survive a server restart."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client

CATALOG = b"id,x,y,mag\n1,10,10,21.5\n2,50,80,19.0\n3,200,150,23.25\n4,290,190,20.0\n"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return app_client(tmp_path)


@pytest.fixture
def image_id(client: TestClient) -> int:
    """A 300x200 image with a TAN WCS and a detections layer of 4 sources (ids 1..4)."""
    image = add_image(client.app.state.sessions, "img", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    response = client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)},
                           data={"kind": "detections"})
    assert response.status_code == 201, response.text
    return image


def label(client: TestClient, image_id: int, source_id: int | None, class_: str | int | None, who: str = "alice",
          key: str | None = None, **extra: object):  # type: ignore[no-untyped-def]
    body = {"source_id": source_id, "class": class_, "annotator": who, "client_key": key or str(uuid.uuid4()),
            **extra}
    return client.post(f"/api/images/{image_id}/annotations", json=body)


def test_save_then_retry_returns_the_same_annotation(client: TestClient, image_id: int) -> None:
    key = str(uuid.uuid4())
    first = label(client, image_id, 1, "2", key=key)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["annotation"]["class"] == "2" and body["annotation"]["annotator"] == "alice"
    assert body["source"] == {"id": 1, "layer_id": 1, "x": 10.0, "y": 10.0, "label_class": "2", "n_votes": 1}
    retry = label(client, image_id, 1, "2", key=key)
    assert retry.status_code == 200 and retry.json()["annotation"]["id"] == body["annotation"]["id"]
    assert len(client.get("/api/sources/1/annotations").json()) == 1
    assert label(client, image_id, 1, 3).json()["annotation"]["class"] == "3"  # a number is taken as its text


def test_refusals(client: TestClient, image_id: int) -> None:
    bad_class = label(client, image_id, 1, "7")
    assert bad_class.status_code == 422 and "use one of 1, 2, 3, 4" in bad_class.json()["detail"]
    assert label(client, image_id, 99, "1").status_code == 404
    assert label(client, 42, 1, "1").status_code == 404
    missing = client.post(f"/api/images/{image_id}/annotations", json={"source_id": 1, "annotator": "a"})
    assert missing.status_code == 422 and "class" in missing.json()["detail"]
    assert label(client, image_id, 1, None).status_code == 422  # nothing to retract
    outside = label(client, image_id, None, "1", geometry={"type": "Point", "coordinates": [-5, 10]})
    assert outside.status_code == 422 and "outside" in outside.json()["detail"]


def test_source_detail_has_votes_and_history(client: TestClient, image_id: int) -> None:
    label(client, image_id, 2, "1", "alice")
    label(client, image_id, 2, "4", "bob")
    label(client, image_id, 2, "2", "alice")
    label(client, image_id, 2, None, "bob")
    detail = client.get("/api/sources/2").json()
    assert detail["votes"] == {"alice": "2"} and (detail["label_class"], detail["n_votes"]) == ("2", 1)
    assert [(h["annotator"], h["class"]) for h in detail["history"]] == [
        ("alice", "1"), ("bob", "4"), ("alice", "2"), ("bob", None)]
    assert detail["catalog_id"] == "2" and detail["columns"] == {"mag": 19.0} and detail["ra"] is not None
    assert client.get("/api/sources/999").status_code == 404


def test_drawn_polygon_creates_a_source(client: TestClient, image_id: int) -> None:
    ring = [[100, 100], [120, 100], [110, 130]]
    response = label(client, image_id, None, "3", geometry={"type": "Polygon", "coordinates": [ring]})
    assert response.status_code == 201, response.text
    source = response.json()["source"]
    assert source["x"] == pytest.approx(110.0) and source["y"] == pytest.approx(110.0)
    layers = client.get(f"/api/images/{image_id}/layers").json()
    assert [(la["name"], la["kind"], la["n_sources"]) for la in layers][-1] == ("annotations", "annotation", 1)
    assert client.get(f"/api/sources/{source['id']}").json()["geometry"]["type"] == "Polygon"


def test_next_and_previous_unlabelled(client: TestClient, image_id: int) -> None:
    label(client, image_id, 2, "1")
    url = f"/api/images/{image_id}/sources/next"
    assert client.get(url).json()["id"] == 1
    assert client.get(url, params={"after": 1}).json()["id"] == 3
    assert client.get(url, params={"after": 4, "direction": "prev"}).json()["id"] == 3
    assert client.get(url, params={"after": 3, "direction": "prev", "state": "all"}).json()["id"] == 2
    end = client.get(url, params={"after": 4})
    assert end.status_code == 404 and "no more unlabelled sources" in end.json()["detail"]


def test_triage_list_sorts_filters_and_pages(client: TestClient, image_id: int) -> None:
    label(client, image_id, 3, "4")
    url = f"/api/images/{image_id}/sources/list"
    page = client.get(url, params={"sort": "mag", "order": "desc", "columns": "mag", "limit": 2}).json()
    assert page["count"] == 4 and [i["id"] for i in page["items"]] == [3, 1]
    assert page["items"][0]["columns"] == {"mag": 23.25}
    second = client.get(url, params={"sort": "mag", "order": "desc", "offset": 2}).json()
    assert [i["id"] for i in second["items"]] == [4, 2]
    assert client.get(url, params={"state": "labelled"}).json()["count"] == 1
    assert client.get(url, params={"state": "unlabelled", "sort": "y"}).json()["items"][0]["id"] == 1
    assert client.get(url, params={"sort": "bad name!"}).status_code == 422
    assert client.get(url, params={"layers": "9"}).status_code == 404


def test_viewport_returns_the_sources_in_the_window(client: TestClient, image_id: int) -> None:
    label(client, image_id, 2, "1")
    found = client.get(f"/api/images/{image_id}/sources", params={"bbox": "0,0,100,100"}).json()
    assert sorted(s["id"] for s in found["sources"]) == [1, 2] and found["truncated"] is False
    labelled = client.get(f"/api/images/{image_id}/sources", params={"bbox": "0,0,300,200", "classes": "1"})
    assert [s["id"] for s in labelled.json()["sources"]] == [2]
    assert client.get(f"/api/images/{image_id}/sources", params={"bbox": "1,2,3"}).status_code == 422


def test_sync_by_id_and_time(client: TestClient, image_id: int) -> None:
    first = label(client, image_id, 1, "1").json()["annotation"]
    label(client, image_id, 2, "2")
    url = f"/api/images/{image_id}/annotations"
    assert client.get(url).json()["count"] == 2
    after = client.get(url, params={"after_id": first["id"]}).json()
    assert [a["source_id"] for a in after["items"]] == [2]
    assert client.get(url, params={"since": first["created_at"]}).json()["count"] == 2
    assert client.get(url, params={"since": "2999-01-01T00:00:00+02:00"}).json()["count"] == 0


def test_rounds_scheme_projects_and_annotators(client: TestClient, image_id: int) -> None:
    opened = client.post(f"/api/images/{image_id}/rounds", json={"name": "first look"})
    assert opened.status_code == 201 and opened.json()["number"] == 1
    round_id = opened.json()["id"]
    assert label(client, image_id, 1, "1").json()["annotation"]["round_id"] == round_id
    assert client.post(f"/api/rounds/{round_id}/close").json()["status"] == "closed"
    assert client.post(f"/api/rounds/{round_id}/close").status_code == 409
    assert label(client, image_id, 1, "2", round_id=round_id).status_code == 409
    assert [r["status"] for r in client.get(f"/api/images/{image_id}/rounds").json()] == ["closed"]
    scheme = client.get(f"/api/images/{image_id}/scheme").json()
    assert [c["id"] for c in scheme["classes"]] == ["1", "2", "3", "4"] and scheme["project"] == "default"
    created = client.post("/api/projects", json={"name": "binary", "scheme": {
        "name": "binary", "classes": [{"id": "c", "name": "cluster"}, {"id": "n", "name": "not"}]}})
    assert created.status_code == 201 and client.post("/api/projects", json={"name": "binary"}).status_code == 409
    bad = client.post("/api/projects", json={"name": "x", "scheme": {"classes": [{"id": "1"}, {"id": "1"}]}})
    assert bad.status_code == 422 and "appears twice" in bad.json()["detail"]
    assert {p["name"] for p in client.get("/api/projects").json()} == {"default", "binary"}
    one = client.post("/api/annotators", json={"name": "dana"}).json()
    assert client.post("/api/annotators", json={"name": "dana"}).json()["id"] == one["id"]
    assert {a["name"] for a in client.get("/api/annotators").json()} == {"alice", "dana"}


def test_two_clients_at_once_both_keep_their_labels(client: TestClient, image_id: int) -> None:
    errors: list[str] = []
    start = threading.Barrier(2)

    def work(name: str, classes: list[str]) -> None:
        own = TestClient(client.app)
        start.wait()
        for class_ in classes:
            response = label(own, image_id, 4, class_, name)
            if response.status_code != 201:
                errors.append(response.text)

    threads = [threading.Thread(target=work, args=("alice", ["1", "2"] * 5)),
               threading.Thread(target=work, args=("bob", ["3", "4"] * 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    detail = client.get("/api/sources/4").json()
    assert detail["votes"] == {"alice": "2", "bob": "4"} and detail["n_votes"] == 2
    assert len(detail["history"]) == 20


def test_labels_survive_a_restart(tmp_path: Path) -> None:
    client = app_client(tmp_path)
    image = add_image(client.app.state.sessions, "img", 300, 200)  # type: ignore[attr-defined]
    client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)})
    assert label(client, image, 1, "3").status_code == 201
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
    restarted = TestClient(create_app(client.app.state.settings))  # type: ignore[attr-defined]
    assert restarted.get("/api/sources/1").json()["votes"] == {"alice": "3"}


def test_deleting_a_labelled_image_archives_it(client: TestClient, image_id: int) -> None:
    """Issue 8 changed this: an image carrying people's labels is archived (hidden, restorable), not deleted."""
    label(client, image_id, 1, "1")
    label(client, image_id, 1, "2")
    archived = client.delete(f"/api/images/{image_id}")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert image_id not in [i["id"] for i in client.get("/api/images").json()["items"]]
    assert image_id in [i["id"] for i in client.get("/api/images", params={"archived": True}).json()["items"]]
    assert client.get("/api/sources/1").json()["votes"] == {"alice": "2"}
    assert label(client, image_id, 1, "3").status_code == 409  # no labelling while archived
    assert client.get(f"/api/images/{image_id}/export", params={"format": "csv"}).status_code == 200
    assert client.post(f"/api/images/{image_id}/restore").status_code == 200
    assert label(client, image_id, 1, "3").status_code == 201
