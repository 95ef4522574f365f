"""The working set through the API: range cuts on magnitudes / colours / CI, regions (polygon, box, circle)
saved with the image and read/written as DS9 files, and n/p to the nearest unlabelled source from a point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)

# 6 sources on a 1000x1000 image: catalogue id order follows rows (y), as detection output does
CATALOG = (b"id,x,y,mag_V,mag_I,ci\n"
           b"1,900,2,22.0,21.0,1.2\n"       # an edge artefact in the first rows, V-I 1.0
           b"2,10,12,20.0,19.5,1.5\n"       # V-I 0.5
           b"3,500,480,21.0,20.2,1.3\n"     # V-I 0.8, near the centre
           b"4,520,530,99.999,20.0,1.4\n"   # V not detected (sentinel)
           b"5,480,520,21.5,,1.1\n"         # I missing
           b"6,950,990,19.0,18.9,1.6\n")    # V-I 0.1


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> TestClient:
    """Each test on SQLite and on PostgreSQL (skipped with its reason without SKYLABEL_TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return app_client(tmp_path)
    return request.getfixturevalue("pg_client")  # type: ignore[no-any-return]


@pytest.fixture
def image_id(client: TestClient) -> int:
    image = add_image(client.app.state.sessions, "img", 1000, 1000, tan_header(1000, 1000))  # type: ignore[attr-defined]
    response = client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)},
                           data={"kind": "detections"})
    assert response.status_code == 201, response.text
    return image


def catalog_ids(client: TestClient, image_id: int, flt: dict | None = None, **params: object) -> list[str]:
    query = {"limit": 100, **params}
    if flt is not None:
        query["filter"] = json.dumps(flt)
    response = client.get(f"/api/images/{image_id}/sources/list", params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["items"])
    return [item["catalog_id"] for item in body["items"]]


def test_colour_and_ci_cuts_restrict_the_triage_list(client: TestClient, image_id: int) -> None:
    assert catalog_ids(client, image_id) == ["1", "2", "3", "4", "5", "6"]
    vi = {"cuts": [{"expr": "mag_V-mag_I", "min": 0.4, "max": 1.0}]}
    # 4 (V sentinel) and 5 (I missing) have no colour: outside any colour range
    assert catalog_ids(client, image_id, vi) == ["1", "2", "3"]
    both = {"cuts": [{"expr": "mag_V - mag_I", "min": 0.4}, {"expr": "ci", "max": 1.3}]}
    assert catalog_ids(client, image_id, both) == ["1", "3"]
    assert catalog_ids(client, image_id, {"cuts": [{"expr": "mag_V", "max": 21.0}]}, sort="mag_V") == ["6", "2", "3"]
    paged = client.get(f"/api/images/{image_id}/sources/list",
                       params={"filter": json.dumps(vi), "offset": 1, "limit": 1}).json()
    assert paged["count"] == 3 and [i["catalog_id"] for i in paged["items"]] == ["2"]


@pytest.mark.parametrize("bad, word", [
    ("{not json", "not JSON"),
    (json.dumps({"cuts": [{"expr": "mag_V*2"}]}), "sum/difference"),
    (json.dumps({"cuts": [{"expr": "ci", "min": 2, "max": 1}]}), "above max"),
    (json.dumps({"cuts": [{"min": 2}]}), "expr"),
    (json.dumps({"regions": [999]}), "no region 999"),
])
def test_bad_filters_are_refused_clearly(client: TestClient, image_id: int, bad: str, word: str) -> None:
    response = client.get(f"/api/images/{image_id}/sources/list", params={"filter": bad})
    assert response.status_code in (404, 422)
    assert word in response.json()["detail"]


def make_region(client: TestClient, image_id: int, kind: str, geometry: dict, name: str = "") -> dict:
    response = client.post(f"/api/images/{image_id}/regions", json={"kind": kind, "geometry": geometry, "name": name})
    assert response.status_code == 201, response.text
    return response.json()


def test_regions_restrict_list_and_next(client: TestClient, image_id: int) -> None:
    circle = make_region(client, image_id, "circle", {"x": 500, "y": 500, "r": 40})
    assert circle["name"] == "circle 1" and circle["project_id"] is not None
    assert catalog_ids(client, image_id, {"regions": [circle["id"]]}) == ["3", "4", "5"]
    box = make_region(client, image_id, "box", {"x": 500, "y": 500, "width": 100, "height": 30, "angle": 90})
    # rotated 90 degrees: 30 wide in x, 100 tall in y -> 3 (500, 480) inside, 4 (520, 530) and 5 (480, 520) not;
    # unrotated it would hold none of them
    assert catalog_ids(client, image_id, {"regions": [box["id"]]}) == ["3"]
    tri = make_region(client, image_id, "polygon", {"points": [[0, 0], [100, 0], [0, 100]]})
    assert catalog_ids(client, image_id, {"regions": [tri["id"]]}) == ["2"]
    # several regions: inside any
    assert catalog_ids(client, image_id, {"regions": [tri["id"], box["id"]]}) == ["2", "3"]
    region_and_cut = {"regions": [circle["id"]], "cuts": [{"expr": "mag_V-mag_I", "min": 0}]}
    nxt = client.get(f"/api/images/{image_id}/sources/next", params={"filter": json.dumps(region_and_cut)})
    assert nxt.status_code == 200 and nxt.json()["catalog_id"] == "3"
    listed = client.get(f"/api/images/{image_id}/regions").json()
    assert [r["id"] for r in listed] == [circle["id"], box["id"], tri["id"]]
    assert client.delete(f"/api/regions/{box['id']}").status_code == 204
    assert len(client.get(f"/api/images/{image_id}/regions").json()) == 2


@pytest.mark.parametrize("kind, geometry", [
    ("ellipse", {"x": 1, "y": 1}), ("circle", {"x": 1, "y": 1, "r": -2}), ("circle", {"x": "a", "y": 1, "r": 2}),
    ("polygon", {"points": [[0, 0], [1, 1]]}), ("box", {"x": 1, "y": 1, "width": 2}),
])
def test_bad_regions_are_refused(client: TestClient, image_id: int, kind: str, geometry: dict) -> None:
    response = client.post(f"/api/images/{image_id}/regions", json={"kind": kind, "geometry": geometry})
    assert response.status_code == 422, response.text
    assert client.get(f"/api/images/{image_id}/regions").json() == []


def test_ds9_round_trip(client: TestClient, image_id: int, tmp_path: Path) -> None:
    make_region(client, image_id, "circle", {"x": 500, "y": 500, "r": 40}, "core")
    make_region(client, image_id, "box", {"x": 200, "y": 300, "width": 50, "height": 20, "angle": 30})
    make_region(client, image_id, "polygon", {"points": [[0, 0], [100, 0], [0, 100]]})
    text = client.get(f"/api/images/{image_id}/regions.reg").text
    assert "image" in text and "circle(501.000,501.000,40.000)" in text  # DS9 image coordinates are 1-based
    other = add_image(client.app.state.sessions, "other", 1000, 1000, tan_header(1000, 1000))  # type: ignore[attr-defined]
    imported = client.post(f"/api/images/{other}/regions/import", files={"file": ("r.reg", text.encode())})
    assert imported.status_code == 201, imported.text
    got = imported.json()
    assert [r["kind"] for r in got] == ["circle", "box", "polygon"]
    assert got[0]["name"] == "core" and got[0]["geometry"] == {"x": 500.0, "y": 500.0, "r": 40.0}
    assert got[1]["geometry"]["angle"] == pytest.approx(30.0)
    assert got[2]["geometry"]["points"] == [[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]]


def test_ds9_sky_regions_and_refusals(client: TestClient, image_id: int) -> None:
    header = tan_header(1000, 1000)
    from astropy.wcs import WCS

    ra, dec = WCS(header).all_pix2world([[500.0, 500.0]], 0)[0]
    sky = f'# Region file format: DS9 version 4.1\nicrs\ncircle({ra},{dec},2")\n'
    got = client.post(f"/api/images/{image_id}/regions/import", files={"file": ("s.reg", sky.encode())})
    assert got.status_code == 201, got.text
    geometry = got.json()[0]["geometry"]
    assert geometry["x"] == pytest.approx(500, abs=0.01) and geometry["y"] == pytest.approx(500, abs=0.01)
    before = len(client.get(f"/api/images/{image_id}/regions").json())
    for bad in ("image\ncircle(1,1,2)\nellipse(5,5,2,1,0)\n", "image\n-circle(1,1,2)\n", "hello world"):
        response = client.post(f"/api/images/{image_id}/regions/import", files={"file": ("b.reg", bad.encode())})
        assert response.status_code == 422, bad
    assert len(client.get(f"/api/images/{image_id}/regions").json()) == before  # all or nothing


def test_next_goes_to_the_nearest_unlabelled_from_the_view_centre(client: TestClient, image_id: int) -> None:
    url = f"/api/images/{image_id}/sources/next"
    # without near: catalogue order, which starts with the edge artefact at y = 2
    assert client.get(url).json()["catalog_id"] == "1"
    first = client.get(url, params={"near": "510,520"}).json()
    assert first["catalog_id"] == "4" and first["distance_px"] == pytest.approx(14.14, abs=0.01)
    visited = [first["id"]]
    order = ["4"]
    for _ in range(5):
        got = client.get(url, params={"near": "510,520", "skip": ",".join(map(str, visited))})
        assert got.status_code == 200
        visited.append(got.json()["id"])
        order.append(got.json()["catalog_id"])
    assert order == ["4", "5", "3", "6", "1", "2"]
    end = client.get(url, params={"near": "510,520", "skip": ",".join(map(str, visited))})
    assert end.status_code == 404 and "no more unlabelled" in end.json()["detail"]
    cut = {"cuts": [{"expr": "mag_V-mag_I", "max": 0.6}]}
    assert client.get(url, params={"near": "510,520", "filter": json.dumps(cut)}).json()["catalog_id"] == "6"
    assert client.get(url, params={"near": "5"}).status_code == 422



def test_photometry_columns_for_the_diagrams(client: TestClient, image_id: int) -> None:
    ref = b"id,x,y,class\n1,500.5,480.5,2\n2,10,10,4\n"
    imported = client.post(f"/api/images/{image_id}/layers/import", files={"file": ("ref.csv", ref)},
                           data={"kind": "reference", "name": "truth"})
    assert imported.status_code == 201, imported.text
    det = next(la["id"] for la in client.get(f"/api/images/{image_id}/layers").json() if la["kind"] == "detections")
    body = client.get(f"/api/images/{image_id}/photometry", params={"layers": str(det)}).json()
    assert body["count"] == 6 and body["columns"] == ["mag_V", "mag_I", "ci"]
    assert body["values"]["mag_V"][3] is None and body["sentinels"]["mag_V"] == [3]  # 99.999
    assert body["values"]["mag_I"][4] is None and body["sentinels"]["mag_I"] == []  # missing, not a sentinel
    assert body["values"]["mag_V"][:3] == [22.0, 20.0, 21.0]
    # source 3 (500, 480) matches the reference source at (500.5, 480.5): its class 2
    assert body["reference_class"] == [None, None, "2", None, None, None]
    assert body["predicted_class"] == [None] * 6 and body["label_class"] == [None] * 6
    only = client.get(f"/api/images/{image_id}/photometry", params={"layers": str(det), "columns": "ci"}).json()
    assert list(only["values"]) == ["ci"]
    assert client.get(f"/api/images/{image_id}/photometry", params={"columns": "a b"}).status_code == 422


def test_thinning_spreads_evenly_and_takes_the_brightest(tmp_path: Path) -> None:
    import numpy as np

    from backend.services.selection.thinning import thin_order

    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1000, 20000), rng.uniform(0, 1000, 20000)
    mag = rng.uniform(18, 26, 20000)
    chosen = thin_order(x, y, mag, (0, 0, 1000, 1000), 400)
    assert len(chosen) == 400
    # every quarter of the view gets its share (index order would have filled the first rows only)
    top = np.sum(y[chosen] > 500)
    assert 160 < top < 240
    # within the drawn set, brightness is favoured: the median is far brighter than the catalogue's
    assert np.median(mag[chosen]) < np.median(mag) - 2


def test_viewport_thin_fills_the_whole_view(client: TestClient) -> None:
    lines = ["id,x,y,mag_V"] + [f"{i},{(i * 37) % 1000},{i // 10},{20 + (i % 7)}" for i in range(1, 10001)]
    image = add_image(client.app.state.sessions, "big", 1000, 1000, tan_header(1000, 1000))  # type: ignore[attr-defined]
    response = client.post(f"/api/images/{image}/layers/import",
                           files={"file": ("big.csv", "\n".join(lines).encode())}, data={"kind": "detections"})
    assert response.status_code == 201, response.text
    params = {"bbox": "0,0,999,999", "limit": 500}
    plain = client.get(f"/api/images/{image}/sources", params=params).json()
    assert plain["truncated"] and max(s["y"] for s in plain["sources"]) < 300  # the top of the view empty
    thin = client.get(f"/api/images/{image}/sources", params={**params, "thin": "true"}).json()
    assert thin["truncated"] and thin["thinned"] and thin["matched"] == 9999 and thin["count"] == 500
    ys = [s["y"] for s in thin["sources"]]
    assert min(ys) < 100 and max(ys) > 900
    assert len({s["id"] for s in thin["sources"]}) == 500


def test_progress_counts_mine_and_the_team(client: TestClient, image_id: int) -> None:
    ids = [item["id"] for item in client.get(f"/api/images/{image_id}/sources/list").json()["items"]]

    def vote(sid: int, who: str, cls: str | None) -> None:
        r = client.post(f"/api/images/{image_id}/annotations", json={"source_id": sid, "class": cls, "annotator": who})
        assert r.status_code == 201, r.text

    vote(ids[0], "me", "1")
    vote(ids[1], "me", "2")
    vote(ids[1], "me", None)  # retracted: not mine any more
    vote(ids[2], "you", "3")
    got = client.get(f"/api/images/{image_id}/progress", params={"annotator": "me"}).json()
    assert (got["sources"], got["labelled"], got["mine"]) == (6, 2, 1)
    assert client.get(f"/api/images/{image_id}/progress", params={"annotator": "nobody"}).json()["mine"] == 0
    assert client.get("/api/images/999/progress").status_code == 404


def test_the_working_set_goes_to_a_round_as_the_picked_layer(client: TestClient, image_id: int) -> None:
    cut = {"cuts": [{"expr": "mag_V-mag_I", "min": 0.4, "max": 1.0}]}  # catalogue ids 1, 2, 3
    r = client.post(f"/api/images/{image_id}/rounds/from-working-set", json={"name": "red clump", "filter": cut})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["count"] == 3 and body["round"]["name"] == "red clump"
    rings = client.get(f"/api/images/{image_id}/sources/list", params={"layers": body["layer_id"]}).json()
    assert rings["count"] == 3
    rounds = client.get(f"/api/images/{image_id}/rounds").json()
    assert [x["name"] for x in rounds][-1] == "red clump"
    empty = client.post(f"/api/images/{image_id}/rounds/from-working-set", json={"filter": {}})
    assert empty.status_code == 422 and "every source" in empty.json()["detail"]
    none = client.post(f"/api/images/{image_id}/rounds/from-working-set",
                       json={"filter": {"cuts": [{"expr": "ci", "min": 5}]}})
    assert none.status_code == 422 and "no unlabelled source" in none.json()["detail"]
