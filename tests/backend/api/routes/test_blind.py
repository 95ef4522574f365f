"""Blind rounds are enforced by the server: as an annotator of an open blind round, every read route answers
the same before and after colleagues vote on the round's sources; reviewers see the votes; closing lifts it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from astropy.table import Table
from fastapi.testclient import TestClient

from backend.db.session import session_scope
from backend.services.labelling.blind import publishable_class
from tests.backend.api.routes.test_rounds import CATALOG, SQUARE
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)

TEAM = ["ann", "bob", "cyd"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> TestClient:
    """Each test on SQLite and on PostgreSQL (skipped with its reason without SKYLABEL_TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return app_client(tmp_path)
    return request.getfixturevalue("pg_client")  # type: ignore[no-any-return]


@pytest.fixture
def setup(client: TestClient) -> dict[str, Any]:
    image = add_image(client.app.state.sessions, "img", 600, 600, tan_header(600, 600))  # type: ignore[attr-defined]
    assert client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)},
                       data={"kind": "detections"}).status_code == 201
    made = client.post(f"/api/images/{image}/rounds", params={"annotator": "olga"}, json={
        "name": "blind", "k": 3, "annotators": TEAM, "blind": True, "seed": 1,
        "sample": {"regions": [SQUARE], "n": 12, "layer": 1}}).json()
    assert client.post(f"/api/rounds/{made['id']}/open", params={"annotator": "olga"}).status_code == 200
    return {"image": image, "round": made["id"], "sources": made["sources"]}


def vote(client: TestClient, image: int, who: str, sid: int, cls: str, rid: int) -> None:
    response = client.post(f"/api/images/{image}/annotations", json={
        "source_id": sid, "class": cls, "annotator": who, "client_key": str(uuid.uuid4()), "round_id": rid})
    assert response.status_code == 201, response.text


def everything(client: TestClient, s: dict[str, Any], who: str | None) -> dict[str, Any]:
    """Every read route an annotator can call, with their name (or none), as comparable data."""
    image, rid, first = s["image"], s["round"], s["sources"][0]
    params = {"annotator": who} if who else {}
    out: dict[str, Any] = {}

    def get(path: str, **extra: Any) -> None:
        response = client.get(path, params={**params, **extra})
        body = response.json() if "json" in response.headers.get("content-type", "") else response.text
        out[f"{path} {sorted(extra.items())}"] = (response.status_code, body)

    for sid in s["sources"][:4]:
        get(f"/api/sources/{sid}")
        get(f"/api/sources/{sid}/annotations")
        get(f"/api/sources/{sid}/similar")
    get(f"/api/images/{image}/annotations")
    for state in ("all", "labelled", "unlabelled"):
        get(f"/api/images/{image}/sources", state=state)
        get(f"/api/images/{image}/sources/list", state=state, limit=500)
    get(f"/api/images/{image}/sources", classes="1,2,3,4")
    get(f"/api/images/{image}/sources/list", classes="1,2,3,4", limit=500)
    get(f"/api/images/{image}/sources/next")
    get(f"/api/images/{image}/sources/next", state="labelled")
    get(f"/api/images/{image}/sources/next", near="100,100")
    get(f"/api/images/{image}/photometry")
    get(f"/api/images/{image}/predictions")
    get(f"/api/images/{image}/embedding")
    get(f"/api/images/{image}/layers")
    get(f"/api/images/{image}/progress")
    get(f"/api/images/{image}/skill")
    get(f"/api/images/{image}/rounds")
    get(f"/api/images/{image}/compare", reference=1)
    get(f"/api/images/{image}/learning/next", strategy="random", seed=1, k=50)
    get(f"/api/rounds/{rid}/report")
    get(f"/api/rounds/{rid}")
    detail = out[f"/api/rounds/{rid} []"][1]
    if isinstance(detail, dict) and (detail.get("progress") or {}).get("overall"):  # the round's fraction of votes
        detail["progress"] = {**detail["progress"], "overall": "a fraction, not a vote"}  # in moves with them
    if who:
        get(f"/api/rounds/{rid}/queue")
    for fmt in ("ecsv", "geojson", "ds9", "csv"):
        response = client.get(f"/api/images/{image}/export", params={**params, "format": fmt})
        text = response.text
        if fmt != "geojson":  # the export time differs between two calls
            text = "\n".join(line for line in text.splitlines() if "exported_at" not in line and "date" not in line)
        out[f"export {fmt}"] = (response.status_code, text if fmt != "geojson" else _no_time(json.loads(text)))
    del first
    return out


def _no_time(document: dict[str, Any]) -> dict[str, Any]:
    document.get("properties", {}).pop("exported_at", None)
    for key in list(document.get("skylabel:provenance", {}) or {}):
        if "time" in key or "at" in key:
            document["skylabel:provenance"].pop(key)
    return document


def queue_of(client: TestClient, rid: int, who: str) -> list[int]:
    return [i["source_id"] for i in client.get(f"/api/rounds/{rid}/queue", params={"annotator": who}).json()["items"]]


@pytest.mark.parametrize("who", ["ann", None])
def test_an_annotator_sees_nothing_of_the_others(client: TestClient, setup: dict[str, Any], who: str | None) -> None:
    image, rid = setup["image"], setup["round"]
    mine = queue_of(client, rid, "ann")
    vote(client, image, "ann", mine[0], "2", rid)
    before = everything(client, setup, who)
    reviewer_before = everything(client, setup, "olga")
    for colleague in ("bob", "cyd"):
        for sid in queue_of(client, rid, colleague):
            vote(client, image, colleague, sid, "1", rid)
    after = everything(client, setup, who)
    changed = [key for key in before if before[key] != after[key]]
    assert changed == [], changed
    assert reviewer_before != everything(client, setup, "olga")  # the reviewer sees the new votes
    # what ann does see: her own vote, as the class of that source
    if who == "ann":
        detail = client.get(f"/api/sources/{mine[0]}", params={"annotator": "ann"}).json()
        assert detail["votes"] == {"ann": "2"} and detail["label_class"] == "2"
        assert client.get(f"/api/rounds/{rid}/report", params={"annotator": "ann"}).status_code == 403
    olga = client.get(f"/api/sources/{mine[0]}", params={"annotator": "olga"}).json()
    assert set(olga["votes"]) >= {"ann"} and len(olga["votes"]) >= 2
    assert client.get(f"/api/rounds/{rid}/report", params={"annotator": "olga"}).status_code == 200


def test_closing_lifts_blindness_and_sources_outside_stay_visible(client: TestClient, setup: dict[str, Any]) -> None:
    image, rid = setup["image"], setup["round"]
    bob = queue_of(client, rid, "bob")
    vote(client, image, "bob", bob[0], "3", rid)
    outside = next(s for s in range(1, 226) if s not in setup["sources"])
    client.post(f"/api/images/{image}/annotations", json={"source_id": outside, "class": "4", "annotator": "bob"})
    assert client.get(f"/api/sources/{outside}", params={"annotator": "ann"}).json()["votes"] == {"bob": "4"}
    assert client.get(f"/api/sources/{bob[0]}", params={"annotator": "ann"}).json()["votes"] == {}
    table = Table.read(client.get(f"/api/images/{image}/export", params={
        "format": "ecsv", "annotator": "ann"}).text, format="ascii.ecsv")
    row = table[[str(i) == str(bob[0]) for i in table["id"]]][0]
    assert row["n_votes"] == 0 and "class_bob" in table.colnames
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert publishable_class(session, image, bob[0], "3") is None
        assert publishable_class(session, image, outside, "4") == "4"
    client.post(f"/api/rounds/{rid}/close", params={"annotator": "olga"})
    assert client.get(f"/api/sources/{bob[0]}", params={"annotator": "ann"}).json()["votes"] == {"bob": "3"}
    assert client.get(f"/api/rounds/{rid}/report", params={"annotator": "ann"}).status_code == 200


def test_not_voted_by_me(client: TestClient, setup: dict[str, Any]) -> None:
    image = setup["image"]
    outside = [s for s in range(1, 226) if s not in setup["sources"]][:3]
    for sid in outside:
        client.post(f"/api/images/{image}/annotations", json={"source_id": sid, "class": "1", "annotator": "bob"})
    listed = client.get(f"/api/images/{image}/sources/list", params={"state": "unvoted", "annotator": "bob",
                                                                     "limit": 500}).json()
    assert listed["count"] == 225 - 3 and not set(outside) & {i["id"] for i in listed["items"]}
    assert client.get(f"/api/images/{image}/sources/list", params={"state": "unvoted", "annotator": "ann"}).json()[
        "count"] == 225
    view = client.get(f"/api/images/{image}/sources", params={"state": "unvoted", "annotator": "bob"}).json()
    assert view["count"] == 222
    assert client.get(f"/api/images/{image}/sources/list", params={"state": "unvoted"}).status_code == 422


def test_progress_an_annotator_sees_is_their_own_and_the_rounds_fraction(client: TestClient,
                                                                           setup: dict[str, Any]) -> None:
    image, rid = setup["image"], setup["round"]
    mine = queue_of(client, rid, "ann")
    vote(client, image, "ann", mine[0], "2", rid)
    bob = [s for s in queue_of(client, rid, "bob") if s != mine[0]]  # (a 1-1 tie would have no consensus)
    for sid in bob[:5]:
        vote(client, image, "bob", sid, "1", rid)
    shown = client.get(f"/api/rounds/{rid}", params={"annotator": "ann"}).json()["progress"]
    assert shown["per_annotator"] == [{"annotator": "ann", "done": 1, "total": len(mine)}]
    assert shown["per_source"] == []  # votes per source: not for an annotator while the round is blind
    assert shown["overall"] == {"fraction": 6 / 36}  # 12 sources x k = 3 showings, 6 votes in
    full = client.get(f"/api/rounds/{rid}", params={"annotator": "olga"}).json()["progress"]
    assert {p["annotator"]: p["done"] for p in full["per_annotator"]} == {"ann": 1, "bob": 5, "cyd": 0}
    assert full["overall"] == {"done": 6, "total": 36, "fraction": 6 / 36}
    assert sum(p["votes"] for p in full["per_source"]) == 6
    team = lambda who: client.get(f"/api/images/{image}/progress", params={"annotator": who}).json()  # noqa: E731
    assert team("ann")["labelled"] == 1 and team("ann")["mine"] == 1  # only her own vote counts, blind
    assert team("olga")["labelled"] == 6
    client.post(f"/api/rounds/{rid}/close", params={"annotator": "olga"})
    assert len(client.get(f"/api/rounds/{rid}", params={"annotator": "ann"}).json()["progress"]["per_source"]) == 12
