"""Reference catalogues are references, not votes; the comparison view; the curated export columns and the
annotator-skill sidecar."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from astropy.table import Table
from fastapi.testclient import TestClient

from backend.db.session import session_scope
from backend.services.learning.data import label_state
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)

DETECTIONS = b"id,x,y\n1,10,10\n2,50,80\n3,200,150\n4,290,190\n"
TRUTH = b"id,x,y,class\na,10.4,10.2,1\nb,50.3,79.6,2\nc,201.0,150.0,3\nd,150,20,4\n"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> TestClient:
    """Each test on SQLite and on PostgreSQL (skipped with its reason without SKYLABEL_TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return app_client(tmp_path)
    return request.getfixturevalue("pg_client")  # type: ignore[no-any-return]


@pytest.fixture
def image(client: TestClient) -> int:
    image = add_image(client.app.state.sessions, "img", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    assert client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", DETECTIONS)},
                       data={"kind": "detections"}).status_code == 201
    return image


def vote(client: TestClient, image: int, sid: int, cls: str, who: str) -> None:
    assert client.post(f"/api/images/{image}/annotations", json={
        "source_id": sid, "class": cls, "annotator": who, "client_key": str(uuid.uuid4())}).status_code == 201


def test_reference_classes_are_not_votes(client: TestClient, image: int) -> None:
    body = client.post(f"/api/images/{image}/layers/import", files={"file": ("truth.csv", TRUTH)},
                       data={"kind": "reference"}).json()
    assert body["labels"] == 0 and body["references"] == 4 and "reference class" in " ".join(body["notes"])
    layer = body["layer"]["id"]
    assert body["layer"]["train_on_reference"] is False
    listed = client.get(f"/api/images/{image}/sources/list", params={"layers": layer}).json()
    assert {i["label_class"] for i in listed["items"]} == {None}
    assert {i["reference_class"] for i in listed["items"]} == {"1", "2", "3", "4"}
    assert client.get(f"/api/images/{image}/sources/list", params={"state": "labelled"}).json()["count"] == 0
    assert client.get("/api/annotators").json() == []  # no "imported" annotator
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with session_scope(sessions) as session:
        assert label_state(session, image).labels == {}
    switched = client.patch(f"/api/layers/{layer}", json={"train_on_reference": True})
    assert switched.status_code == 200 and switched.json()["train_on_reference"] is True
    with session_scope(sessions) as session:
        state = label_state(session, image)
        assert sorted(state.labels.values()) == ["1", "2", "3", "4"] and ":ref" in state.key
    assert client.patch("/api/layers/1", json={"train_on_reference": True}).status_code == 422


def test_comparison_with_a_reference_layer(client: TestClient, image: int) -> None:
    ref = client.post(f"/api/images/{image}/layers/import", files={"file": ("truth.csv", TRUTH)},
                      data={"kind": "reference"}).json()["layer"]["id"]
    vote(client, image, 1, "1", "ann")
    vote(client, image, 2, "1", "ann")  # the reference says 2
    vote(client, image, 3, "3", "ann")
    vote(client, image, 4, "4", "ann")  # no reference source within 1.5 px
    vote(client, image, 3, "4", "bob")  # consensus of 3: a tie, none
    found = client.get(f"/api/images/{image}/compare", params={"reference": ref}).json()
    assert found["n_matched"] == 2 and found["confusion"][0][0] == 1 and found["confusion"][1][0] == 1
    assert found["confusion_binary"] == [[2, 0], [0, 0]] and found["accuracy"] == 0.5
    mine = client.get(f"/api/images/{image}/compare", params={"reference": ref, "against": "mine",
                                                              "annotator": "ann"}).json()
    assert mine["n_matched"] == 3 and mine["confusion"][2][2] == 1
    assert client.get(f"/api/images/{image}/compare", params={"reference": ref, "against": "mine"}).status_code == 422
    assert client.get(f"/api/images/{image}/compare", params={"reference": 1}).status_code == 422


def test_curated_export_columns_and_skill(client: TestClient, image: int) -> None:
    client.post(f"/api/images/{image}/layers/import", files={"file": ("truth.csv", TRUTH)},
                data={"kind": "reference"})
    for who, cls in (("ann", "1"), ("bob", "1"), ("cyd", "2")):
        vote(client, image, 1, cls, who)
    for who, cls in (("ann", "1"), ("bob", "2")):
        vote(client, image, 2, cls, who)
    table = Table.read(client.get(f"/api/images/{image}/export", params={"format": "ecsv"}).text,
                       format="ascii.ecsv")
    for column in ("n_votes", "votes_1", "votes_2", "votes_3", "votes_4", "class_mode", "class_mean", "agreement",
                   "class_ds", "p_ds", "class_adjudicated", "consensus_method", "class_reference", "rounds"):
        assert column in table.colnames, column
        assert table[column].description, column
    by_id = {str(r["id"]): r for r in table}
    one = by_id["1"]
    assert (one["n_votes"], one["votes_1"], one["votes_2"], str(one["class_mode"])) == (3, 2, 1, "1")
    assert one["class_mean"] == pytest.approx(4 / 3) and one["agreement"] == pytest.approx(2 / 3)
    assert str(one["consensus_method"]) == "human-3" and 0 < one["p_ds"] <= 1
    two = by_id["2"]
    assert str(two["consensus_method"]) == "skill-model" and str(two["class_mode"]) in ("", "--")
    truth_row = next(r for r in table if str(r["class_reference"]) == "4")
    assert str(truth_row["consensus_method"]) == "reference" and truth_row["n_votes"] == 0
    # re-import: the derived columns are not votes and not catalogue columns
    again = client.post(f"/api/images/{image}/layers/import",
                        files={"file": ("curated.ecsv", client.get(f"/api/images/{image}/export",
                                                                   params={"format": "ecsv", "layers": "1"}).content)},
                        data={"name": "again"}).json()
    first = client.get(f"/api/images/{image}/sources/list", params={"layers": again["layer"]["id"]}).json()
    detail = client.get(f"/api/sources/{first['items'][0]['id']}").json()
    assert detail["catalog_id"] == "1"
    assert "class_mode" not in detail["columns"] and set(detail["votes"]) == {"ann", "bob", "cyd"}
    skill = client.get(f"/api/images/{image}/skill").json()["annotators"]
    assert {s["annotator"] for s in skill} == {"ann", "bob", "cyd"}
    assert all(0 <= s["accuracy"] <= 1 and "p_1_1" in s for s in skill)


def test_cross_matched_layers_export_one_row_per_object(client: TestClient, image: int) -> None:
    client.post(f"/api/images/{image}/layers/import", files={"file": ("truth.csv", TRUTH)},
                data={"kind": "reference"})
    vote(client, image, 1, "2", "ann")
    table = Table.read(client.get(f"/api/images/{image}/export", params={"format": "ecsv"}).text,
                       format="ascii.ecsv")
    # 4 detections + 4 reference sources, 3 of them the same objects (within 1.5 px): 5 rows
    assert len(table) == 5
    memberships = sorted(str(v) for v in table["layer"])
    assert memberships.count("det.csv;truth.csv") == 3 and memberships.count("truth.csv") == 1
    first = next(r for r in table if str(r["catalog_id"]) == "1" and ";" in str(r["layer"]))
    assert str(first["reference_id"]) == "a" and str(first["class_reference"]) == "1"
    assert str(first["class_mode"]) == "2" and first["n_votes"] == 1
    lone = next(r for r in table if str(r["layer"]) == "det.csv" or str(r["layer"]) == "truth.csv")
    assert lone is not None


def test_a_source_lists_both_memberships_of_its_object(client: TestClient, image: int) -> None:
    """What the source panel shows: a detection cross-matched with a reference source is one object with two
    memberships (the same rule as the export's one row); a lone source has one."""
    ref = client.post(f"/api/images/{image}/layers/import", files={"file": ("truth.csv", TRUTH)},
                      data={"kind": "reference"}).json()["layer"]["id"]
    detail = client.get("/api/sources/1").json()
    assert [(m["layer"], m["kind"], m["catalog_id"], m["reference_class"]) for m in detail["memberships"]] == [
        ("det.csv", "detections", "1", None), ("truth.csv", "reference", "a", "1")]
    twin = detail["memberships"][1]["source_id"]
    back = client.get(f"/api/sources/{twin}").json()["memberships"]
    assert [m["source_id"] for m in back] == [twin, 1] and back[0]["layer_id"] == ref
    assert [m["source_id"] for m in client.get("/api/sources/4").json()["memberships"]] == [4]  # no twin
    lone_ref = next(i["id"] for i in client.get(f"/api/images/{image}/sources/list", params={"layers": ref}).json()[
        "items"] if i["reference_class"] == "4")
    assert len(client.get(f"/api/sources/{lone_ref}").json()["memberships"]) == 1
