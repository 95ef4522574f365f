"""Bad input gets a 4xx (issue 8's probe list): numbers beyond the database's range, long or NUL text, deep
JSON, huge coordinates and weights, oversized bodies, reused client keys, DS9 injection, far pixels."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backend.catalogues import CatalogMeta, Provenance, SourceCatalog
from backend.catalogues.ds9_export import write_ds9
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image

CATALOG = b"id,x,y\n1,10,10\n2,50,80\n3,200,150\n"
DEEP = "[" * 50_000 + "]" * 50_000


@pytest.fixture
def image_id(client: TestClient) -> int:
    image = add_image(client.app.state.sessions, "img", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    assert client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)}).status_code == 201
    return image


@pytest.mark.parametrize("path", [
    "/api/sources/9223372036854775808", "/api/sources/2147483648", "/api/images/2147483648/layers",
    "/api/images/99999999999999999999", "/api/tasks/9223372036854775808",
])
def test_ids_beyond_the_database_range_are_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", [
    {"after_id": 2**63}, {"after_id": 2**31}, {"limit": -(2**63)},
])
def test_query_numbers_beyond_the_range_are_422(client: TestClient, image_id: int, query: dict) -> None:
    response = client.get(f"/api/images/{image_id}/annotations", params=query)
    assert response.status_code == 422 and "out of range" in response.json()["detail"]


def test_huge_bbox_and_body_ids(client: TestClient, image_id: int) -> None:
    everything = client.get(f"/api/images/{image_id}/sources", params={"bbox": "-1e308,-1e308,1e308,1e308"})
    assert everything.status_code == 200 and everything.json()["count"] == 3
    offset = client.get(f"/api/images/{image_id}/sources/list", params={"offset": 2**63})
    assert offset.status_code == 422
    for body in ({"source_id": 2**63, "class": "1"}, {"source_id": 1, "class": "1", "round_id": 2**31}):
        response = client.post(f"/api/images/{image_id}/annotations", json=body)
        assert response.status_code == 422 and "out of range" in response.json()["detail"]


def test_long_text_and_nul_are_422_with_the_column_limits(client: TestClient, image_id: int) -> None:
    assert client.post("/api/projects", json={"name": "x" * 201}).status_code == 422
    assert client.post("/api/projects", json={"name": "x" * 200}).status_code == 201
    assert client.post("/api/projects", json={"name": "a\x00b"}).status_code == 422
    assert client.post(f"/api/images/{image_id}/rounds", json={"name": "r" * 201}).status_code == 422
    label = {"source_id": 1, "class": "1", "client_key": "k" * 65}
    assert client.post(f"/api/images/{image_id}/annotations", json=label).status_code == 422
    assert client.post(f"/api/images/{image_id}/annotations", json={**label, "client_key": "a\x00"}).status_code == 422
    assert client.get(f"/api/images/{image_id}/sources", params={"classes": "1\x00"}).status_code == 422
    upload = client.post("/api/images", data={"name": "a\x00"}, files={"files": ("a.fits", b"SIMPLE")})
    assert upload.status_code == 422 and "NUL" in upload.json()["detail"]
    wide = ",".join(f"c{i}" for i in range(600)).encode()
    response = client.post(f"/api/images/{image_id}/layers/import",
                           files={"file": ("wide.csv", b"x,y," + wide + b"\n" + b"1," * 601 + b"1\n")})
    assert response.status_code == 422 and "at most 500" in response.json()["detail"]
    long_cell = b"x,y,note\n1,2," + b"n" * 20_000 + b"\n"
    response = client.post(f"/api/images/{image_id}/layers/import", files={"file": ("long.csv", long_cell)})
    assert response.status_code == 422 and "at most 10000" in response.json()["detail"]


def test_deep_json_and_overflowing_numbers_are_422(client: TestClient, image_id: int) -> None:
    deep_label = '{"class": "1", "geometry": {"type": "Point", "coordinates": ' + "[" * 5000 + "]" * 5000 + "}}"
    response = client.post(f"/api/images/{image_id}/annotations", content=deep_label.encode(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 422 and "nests deeper" in response.json()["detail"]
    collection = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                  '"geometry": {"type": "Point", "coordinates": ' + DEEP + "}}]}")
    response = client.post(f"/api/images/{image_id}/layers/import", files={"file": ("a.geojson", collection)},
                           data={"format": "geojson"})
    assert response.status_code == 422 and "nested deeper" in response.json()["detail"]
    mapping = '{"x": ' + "[" * 2000 + "]" * 2000 + "}"
    response = client.post(f"/api/images/{image_id}/layers/import", files={"file": ("a.csv", b"x,y\n1,2\n")},
                           data={"format": "csv", "mapping": mapping})
    assert response.status_code == 422 and "nests too deep" in response.json()["detail"]
    huge = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
            '"geometry": {"type": "Point", "coordinates": [1e400, 5]}}]}')
    response = client.post(f"/api/images/{image_id}/layers/import", files={"file": ("b.geojson", huge)},
                           data={"format": "geojson"})
    assert response.status_code == 422


def test_a_json_body_over_1_mb_is_413(client: TestClient, image_id: int) -> None:
    body = b'{"class": "1", "source_id": 1, "x": "' + b"a" * (2**20) + b'"}'
    response = client.post(f"/api/images/{image_id}/annotations", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and "SKYLABEL_MAX_JSON_MB" in response.json()["detail"]

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"class": "1", "x": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    chunked = client.post(f"/api/images/{image_id}/annotations", content=chunks(),
                          headers={"content-type": "application/json"})
    assert chunked.status_code == 413


def test_chunked_upload_over_the_limit_is_413(tmp_path: Path) -> None:
    from backend.app import create_app
    from backend.settings import Settings

    client = TestClient(create_app(Settings(data_dir=tmp_path / "d", frontend_dir=tmp_path / "nf",
                                            max_upload_mb=1)))
    boundary = "b0undary"

    def chunks():  # type: ignore[no-untyped-def]
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbig\r\n--{boundary}\r\n"
               f"Content-Disposition: form-data; name=\"files\"; filename=\"a.fits\"\r\n\r\n").encode()
        for _ in range(64):
            yield b"\0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post("/api/images", content=chunks(),
                           headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413 and "SKYLABEL_MAX_UPLOAD_MB" in response.json()["detail"]


def test_a_reused_client_key_with_another_body_is_409(client: TestClient, image_id: int) -> None:
    key = str(uuid.uuid4())
    url = f"/api/images/{image_id}/annotations"
    assert client.post(url, json={"source_id": 1, "class": "1", "client_key": key}).status_code == 201
    assert client.post(url, json={"source_id": 1, "class": "1", "client_key": key}).status_code == 200
    other = client.post(url, json={"source_id": 2, "class": "3", "client_key": key})
    assert other.status_code == 409 and "already used for another label" in other.json()["detail"]
    assert client.post(url, json={"source_id": 1, "class": "1", "client_key": key, "annotator": "bob"}
                       ).status_code == 409


def test_cutout_and_recipe_extremes_are_422(client: TestClient, image_id: int) -> None:
    response = client.get(f"/api/images/{image_id}/cutout.png", params={"x": 1e308, "y": 5})
    assert response.status_code in (404, 422)  # no COGs for this database-only image: 404 or the range 422
    from tiles.errors import RecipeError
    from tiles.rendition import parse_recipe

    with pytest.raises(RecipeError, match="finite number between"):
        parse_recipe("big:R=1e308*F555W,G=F555W,B=F555W")


def test_pix2world_far_outside_is_null_and_sky_positions_need_ra_dec(client: TestClient, image_id: int) -> None:
    near = client.get(f"/api/images/{image_id}/pix2world", params={"x": "10,1e12", "y": "10,1e12"}).json()
    assert near["ra"][0] is not None and near["ra"][1] is None and near["dec"][1] is None
    response = client.post(f"/api/images/{image_id}/layers/import", files={"file": ("p.csv", CATALOG)},
                           data={"positions": "sky"})
    assert response.status_code == 422 and "has no RA/Dec" in response.json()["detail"]


def test_ds9_text_with_a_newline_is_escaped() -> None:
    from backend.catalogues.table import Source

    catalog = SourceCatalog([Source(id="1\ncircle(1,1,1)", x=1.0, y=2.0)], CatalogMeta(format="test"))
    text = write_ds9(catalog, Provenance(image="galaxy\nbox(0,0,5,5,0)"), coords="image")
    regions = [line for line in text.splitlines() if not line.startswith("#")]
    assert regions[0] == "image" and len(regions) == 2  # one region: nothing injected
    assert "\\n" in regions[1]
