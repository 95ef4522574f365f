"""Layers through the API: import each format (the real SExtractor and LEGUS files), refusals that name
the line and store nothing, outside sources reported, rename / restyle, delete."""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path

import pytest
from astropy.io import fits
from fastapi.testclient import TestClient

from backend.catalogues import read_legus
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client, covering_header
from tests.conftest import shared_file

LEGUS_SMALL = "legus/hlsp_legus_hst_acs-wfc3_ngc4248_multiband_v2_padagb-mwext-avgapcor.tab"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return app_client(tmp_path)


def pair_image(client: TestClient) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ESO header's non-standard cards
        header = fits.getheader(shared_file("sextractor_pair/image.fits"))
    return add_image(client.app.state.sessions, "pair", 256, 256, header)  # type: ignore[attr-defined]


def post_file(client: TestClient, image_id: int, name: str, content: bytes, **form: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/images/{image_id}/layers/import", files={"file": (name, content)}, data=form)


def test_sextractor_catalogue_becomes_a_detections_layer(client: TestClient) -> None:
    image_id = pair_image(client)
    content = shared_file("sextractor_pair/image.cat").read_bytes()
    response = post_file(client, image_id, "image.cat", content)  # format guessed from the header
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["imported"] == 65 and body["outside"] == {"count": 0, "ids": []} and body["labels"] == 0
    layer = body["layer"]
    assert (layer["name"], layer["kind"], layer["n_sources"], layer["source_file"]) == (
        "image.cat", "detections", 65, "image.cat")
    assert layer["style"] == {"colour": "#ffd33d", "radius_px": 6, "width": 1.5, "shape": "ring"}
    listed = client.get(f"/api/images/{image_id}/layers").json()
    assert [(item["id"], item["n_sources"]) for item in listed] == [(layer["id"], 65)]
    again = post_file(client, image_id, "image.cat", content, format="sextractor")
    assert again.status_code == 201 and again.json()["layer"]["name"] == "image.cat (2)"


@pytest.mark.parametrize(("fmt", "name", "content", "where"), [
    ("sextractor", "bad.cat", None, "line 25"),
    ("csv", "bad.csv", b"x,y,mag\n1,2,3\n4,5\n", "line 3"),
    ("geojson", "bad.geojson", b'{"type": "FeatureCollection",\n "features": [}', "line 2"),
    ("ds9", "bad.reg", b"# Region file format: DS9 version 4.1\nimage\ncircle(10,10,3)\nblob(1,2)\n", "line 4"),
    ("legus", "hlsp_legus_hst_wfc3_ngc45_x.tab", b"1 2 3\n4 5 six\n", "line 2"),
])
def test_a_broken_file_is_422_with_the_line_and_nothing_is_stored(
    client: TestClient, fmt: str, name: str, content: bytes | None, where: str,
) -> None:
    image_id = pair_image(client)
    if content is None:
        lines = shared_file("sextractor_pair/image.cat").read_text().splitlines(keepends=True)
        lines[24] = lines[24].replace(lines[24].split()[2], "12.3.4", 1)  # file line 25: a bad number
        content = "".join(lines).encode()
    response = post_file(client, image_id, name, content, format=fmt)
    assert response.status_code == 422, response.text
    assert where in response.json()["detail"]
    assert client.get(f"/api/images/{image_id}/layers").json() == []


def test_legus_field_keeps_its_class_counts_through_the_api(client: TestClient) -> None:
    path = shared_file(LEGUS_SMALL)
    catalog = read_legus(path)
    expected = Counter(label.class_ for source in catalog for label in source.labels)
    image_id = add_image(client.app.state.sessions, "ngc4248", 1200, 1200,  # type: ignore[attr-defined]
                         covering_header(catalog, 1200))
    response = post_file(client, image_id, path.name, path.read_bytes(), format="legus", positions="sky")
    assert response.status_code == 201, response.text
    body = response.json()
    # issue 9: a reference catalogue's classes are references, not votes: nothing is "labelled"
    assert body["imported"] == len(catalog) and body["labels"] == 0 and body["references"] == sum(expected.values())
    assert body["layer"]["kind"] == "reference" and body["layer"]["style"]["colour"] == "#58a6ff"
    layer_id = body["layer"]["id"]
    for class_ in expected:
        page = client.get(f"/api/images/{image_id}/sources/list", params={"classes": class_, "limit": 1}).json()
        assert page["count"] == 0, class_
    unlabelled = client.get(f"/api/images/{image_id}/sources/list", params={"state": "unlabelled", "limit": 1})
    assert unlabelled.json()["count"] == len(catalog)
    first = client.get(f"/api/images/{image_id}/sources/list", params={"layers": layer_id, "limit": 1}).json()
    detail = client.get(f"/api/sources/{first['items'][0]['id']}").json()
    assert detail["votes"] == {} and "mag_V" in detail["columns"]


def test_outside_sources_are_listed(client: TestClient) -> None:
    image_id = add_image(client.app.state.sessions, "small", 100, 100)  # type: ignore[attr-defined]
    csv = b"id,x,y\na,10,10\nb,150,10\nc,50,-3\nd,99.4,99.4\n"
    body = post_file(client, image_id, "cat.csv", csv).json()
    assert body["imported"] == 2 and body["outside"] == {"count": 2, "ids": ["b", "c"]}
    assert "outside it (ids b, c)" in " ".join(body["notes"])
    assert body["layer"]["meta"]["outside"] == {"count": 2, "ids": ["b", "c"]}


def test_csv_with_a_column_mapping_and_sky_positions(client: TestClient) -> None:
    image_id = add_image(client.app.state.sessions, "wcs", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    csv = b"name,xc,yc,label\ns1,10.5,20.25,1\ns2,100,150,3\n"
    mapping = json.dumps({"x": "xc", "y": "yc", "id": "name", "class": "label"})
    response = post_file(client, image_id, "picked.csv", csv, format="csv", mapping=mapping, kind="picked")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["labels"] == 2 and body["layer"]["kind"] == "picked" and body["layer"]["style"]["radius_px"] == 10
    items = client.get(f"/api/images/{image_id}/sources/list").json()["items"]
    assert [(i["catalog_id"], i["x"], i["label_class"]) for i in items] == [("s1", 10.5, "1"), ("s2", 100.0, "3")]
    sky = client.get(f"/api/images/{image_id}/pix2world", params={"x": "10.5", "y": "20.25"}).json()
    assert items[0]["ra"] == pytest.approx(sky["ra"][0], abs=1e-10)
    bad = post_file(client, image_id, "p.csv", csv, format="csv", mapping='{"x": "nope"}')
    assert bad.status_code == 422 and "'nope'" in bad.json()["detail"]


def test_rename_restyle_and_delete(client: TestClient) -> None:
    image_id = pair_image(client)
    layer = post_file(client, image_id, "image.cat", shared_file("sextractor_pair/image.cat").read_bytes()).json()
    layer_id = layer["layer"]["id"]
    patched = client.patch(f"/api/layers/{layer_id}", json={"name": "SExtractor", "style": {"colour": "#ff0000"}})
    assert patched.status_code == 200
    assert patched.json()["name"] == "SExtractor" and patched.json()["style"]["colour"] == "#ff0000"
    assert patched.json()["style"]["radius_px"] == 6  # merged, not replaced
    assert client.patch(f"/api/layers/{layer_id}", json={"style": {"colour": "red"}}).status_code == 422
    source_id = client.get(f"/api/images/{image_id}/sources/list").json()["items"][0]["id"]
    label = {"source_id": source_id, "class": "1", "annotator": "alice"}
    assert client.post(f"/api/images/{image_id}/annotations", json=label).status_code == 201
    # issue 8 (append-only means append-only): a labelled layer is archived, even with force=true, never deleted
    archived = client.delete(f"/api/layers/{layer_id}", params={"force": True})
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert client.get(f"/api/images/{image_id}/layers").json() == []
    assert [x["id"] for x in client.get(f"/api/images/{image_id}/layers", params={"archived": True}).json()] == [
        layer_id]
    assert client.get(f"/api/sources/{source_id}").json()["votes"] == {"alice": "1"}  # the label is kept
    exported = client.get(f"/api/images/{image_id}/export", params={"format": "csv", "layers": str(layer_id)})
    assert exported.status_code == 200 and "alice" in exported.text  # and still exportable
    assert client.post(f"/api/layers/{layer_id}/restore").json()["archived_at"] is None
    assert [x["id"] for x in client.get(f"/api/images/{image_id}/layers").json()] == [layer_id]
    new_layer = post_file(client, image_id, "other.cat", shared_file("sextractor_pair/image.cat").read_bytes())
    unlabelled = new_layer.json()["layer"]["id"]
    assert client.delete(f"/api/layers/{unlabelled}").status_code == 204
    assert client.delete(f"/api/layers/{unlabelled}").status_code == 404


def test_unknown_image_and_format(client: TestClient) -> None:
    assert post_file(client, 42, "a.csv", b"x,y\n1,2\n").status_code == 404
    image_id = add_image(client.app.state.sessions)  # type: ignore[attr-defined]
    response = post_file(client, image_id, "a.csv", b"x,y\n1,2\n", format="excel")
    assert response.status_code == 422 and "format 'excel' is unknown" in response.json()["detail"]


def test_an_upload_is_read_from_its_spooled_file_and_the_file_is_removed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The route hands the readers a path (they stream it), never ``file.read()``; errors name the sent file."""
    from backend.api.routes import layers as layers_route

    seen: list[object] = []
    real = layers_route.read_catalog_file

    def spy(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(layers_route, "read_catalog_file", spy)
    image_id = pair_image(client)
    response = post_file(client, image_id, "cat.csv", b"x,y,mag\n10,20,21.5\n30,40,22\n")
    assert response.status_code == 201, response.text
    assert isinstance(seen[0], Path) and seen[0].name.startswith("upload-")
    bad = post_file(client, image_id, "bad.csv", b"x,y,mag\n1,2,3\n4,5\n")
    assert bad.status_code == 422 and bad.json()["detail"].startswith("bad.csv: line 3:"), bad.text
    uploads = client.app.state.settings.uploads_dir  # type: ignore[attr-defined]
    assert not list(uploads.glob("upload-*"))
