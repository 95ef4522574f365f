"""Export through the API, and the round trip: export then import gives back the same sources and labels
(ECSV, FITS, VOTable, GeoJSON, DS9, CSV). Tables have x, y (0-based), ra, dec and class_<annotator>
columns; the VOTable passes astropy's validator; provenance travels with the file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from astropy.io.votable import validate
from astropy.table import Table
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.catalogues import read_legus
from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation, Annotator
from backend.db.sources import Source
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client, covering_header
from tests.conftest import shared_file

CATALOG = b"id,x,y,mag,note\n1,10.25,10.5,21.5,bright\n2,50,80,19.0,\n3,200.125,150,,edge\n4,290,190,20.0,x\n"
EXTENSIONS = {"ecsv": ".ecsv", "fits": ".fits", "votable": ".vot", "geojson": ".geojson", "ds9": ".reg",
              "csv": ".csv"}


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, int, int]:
    """An image with a WCS, one layer of 4 sources and votes: alice and bob on 1 (bob changed his mind),
    alice on 3, carol on 2 then retracted, and a drawn box by bob (a second layer)."""
    client = app_client(tmp_path_factory.mktemp("export"))
    image = add_image(client.app.state.sessions, "ngc 628 / test", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    layer = client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)}).json()["layer"]
    votes = [(1, "1", "alice"), (1, "4", "bob"), (1, "2", "bob"), (3, "3", "alice"), (2, "1", "carol"),
             (2, None, "carol")]
    for source_id, class_, who in votes:
        body = {"source_id": source_id, "class": class_, "annotator": who}
        assert client.post(f"/api/images/{image}/annotations", json=body).status_code == 201
    box = {"type": "Polygon", "coordinates": [[[100, 50], [110, 50], [110, 70], [100, 70]]]}
    assert client.post(f"/api/images/{image}/annotations",
                       json={"geometry": box, "class": "4", "annotator": "bob"}).status_code == 201
    return client, image, layer["id"]


def layer_state(client: TestClient, layer_id: int) -> dict[str, tuple]:
    """catalog_id -> (x, y, ra, dec, current votes) of a layer, read from the database."""
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        sources = session.scalars(select(Source).where(Source.layer_id == layer_id)).all()
        rows = session.execute(select(Annotation.id, Annotation.source_id, Annotator.name, Annotation.class_)
                               .join(Annotator).where(Annotation.source_id.in_([s.id for s in sources]))).all()
    votes = {s.id: {who: cls for who, (_, cls) in latest_votes(
        (r[0], r[2], r[3]) for r in rows if r[1] == s.id).items()} for s in sources}
    return {s.catalog_id: (s.x, s.y, s.ra, s.dec, votes[s.id]) for s in sources}


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_export_then_import_gives_the_same_sources_and_labels(labelled: tuple[TestClient, int, int],
                                                               fmt: str) -> None:
    client, image, layer_id = labelled
    exported = client.get(f"/api/images/{image}/export", params={"format": fmt, "layers": layer_id})
    assert exported.status_code == 200, exported.text
    filename = f"ngc-628-test{EXTENSIONS[fmt]}"
    assert exported.headers["content-disposition"] == f'attachment; filename="{filename}"'
    back = client.post(f"/api/images/{image}/layers/import", files={"file": (filename, exported.content)},
                       data={"format": fmt, "name": f"round trip {fmt}"})
    assert back.status_code == 201, back.text
    before, after = layer_state(client, layer_id), layer_state(client, back.json()["layer"]["id"])
    assert set(after) == set(before) == {"1", "2", "3", "4"}
    for catalog_id, (x, y, ra, dec, votes) in before.items():
        x2, y2, ra2, dec2, votes2 = after[catalog_id]
        assert (x2, y2) == (pytest.approx(x, abs=1e-6), pytest.approx(y, abs=1e-6)), (fmt, catalog_id)
        assert (ra2, dec2) == (pytest.approx(ra, abs=1e-9), pytest.approx(dec, abs=1e-9)), (fmt, catalog_id)
        assert votes2 == votes, (fmt, catalog_id)
    assert before["1"][4] == {"alice": "1", "bob": "2"} and before["2"][4] == {}


def test_table_columns_and_provenance(labelled: tuple[TestClient, int, int]) -> None:
    client, image, layer_id = labelled
    drawn = next(la["id"] for la in client.get(f"/api/images/{image}/layers").json() if la["name"] == "annotations")
    params = {"format": "ecsv", "exported_by": "tester", "layers": f"{layer_id},{drawn}"}
    content = client.get(f"/api/images/{image}/export", params=params).content
    table = Table.read(content.decode(), format="ascii.ecsv")
    assert {"x", "y", "ra", "dec", "class", "class_alice", "class_bob", "layer", "catalog_id"} <= set(table.colnames)
    assert "class_carol" not in table.colnames  # carol retracted her only vote
    assert len(table) == 5 and list(table["layer"]) == ["det.csv"] * 4 + ["annotations"]
    first = table[table["catalog_id"] == "1"][0]
    assert (first["x"], first["y"], first["class_alice"], first["class_bob"]) == (10.25, 10.5, 1, 2)
    assert table.meta["image"] == "ngc 628 / test" and table.meta["scheme"] == "LEGUS"
    assert table.meta["exported_by"] == "tester" and table.meta["pixel_origin"] == "0"
    assert "1=compact symmetric cluster" in table.meta["classes"]


def test_votable_passes_the_validator(labelled: tuple[TestClient, int, int]) -> None:
    client, image, _ = labelled
    content = client.get(f"/api/images/{image}/export", params={"format": "votable"}).content
    report = io.StringIO()
    assert validate(io.BytesIO(content), output=report), report.getvalue()


def test_export_refusals(labelled: tuple[TestClient, int, int], tmp_path: Path) -> None:
    client, image, _ = labelled
    assert client.get(f"/api/images/{image}/export", params={"format": "xlsx"}).status_code == 422
    assert client.get(f"/api/images/{image}/export", params={"layers": "99"}).status_code == 404
    assert client.get("/api/images/999/export").status_code == 404
    empty = add_image(client.app.state.sessions, "empty")  # type: ignore[attr-defined]
    refused = client.get(f"/api/images/{empty}/export")
    assert refused.status_code == 422 and "no sources" in refused.json()["detail"]


def test_imported_legus_classes_export_as_class_reference(tmp_path: Path) -> None:
    """Issue 9: LEGUS classes are the layer's reference classes (``class_reference``), not votes."""
    client = app_client(tmp_path)
    path = shared_file("legus/hlsp_legus_hst_acs-wfc3_ugc695_multiband_v2_padagb-mwext-avgapcor.tab")
    catalog = read_legus(path)
    image = add_image(client.app.state.sessions, "ugc695", 1000, 1000, covering_header(catalog, 1000))  # type: ignore[attr-defined]
    assert client.post(f"/api/images/{image}/layers/import", files={"file": (path.name, path.read_bytes())},
                       data={"positions": "sky"}).status_code == 201
    table = Table.read(io.BytesIO(client.get(f"/api/images/{image}/export", params={"format": "fits"}).content),
                       format="fits")
    votes = {s.id: s.labels[0].class_ for s in catalog if s.labels}
    assert len(table) == len(catalog) and "class_LEGUS" not in table.colnames
    got = {str(i): str(c) for i, c in zip(table["id"], table["class_reference"], strict=True) if c is not None
           and str(c) not in ("--", "")}
    assert got == votes
    assert set(map(str, table["consensus_method"])) <= {"reference", "", "--"}
    assert list(table["n_votes"]).count(0) == len(table)


def test_picked_copies_are_left_out_unless_named(tmp_path: Path) -> None:
    """The picked layer repeats sources of other layers: the default export lists each source once."""
    client = app_client(tmp_path)
    image = add_image(client.app.state.sessions, "picked", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)})
    picked = client.post(f"/api/images/{image}/layers/import", data={"kind": "picked", "name": "picked"},
                         files={"file": ("picked.csv", CATALOG)}).json()["layer"]
    assert picked["kind"] == "picked"
    default = Table.read(io.BytesIO(client.get(f"/api/images/{image}/export?format=fits").content), format="fits")
    assert len(default) == 4
    named = client.get(f"/api/images/{image}/export?format=fits&layers={picked['id']}")
    assert len(Table.read(io.BytesIO(named.content), format="fits")) == 4


def test_an_export_with_a_1000_vertex_outline_streams_and_reads_back(tmp_path: Path) -> None:
    """The download is streamed (no Content-Length: rows are written as the client reads), and the outline
    comes back whole from every table format (FITS: a variable-length column)."""
    import math

    client = app_client(tmp_path)
    image = add_image(client.app.state.sessions, "outline", 300, 200, tan_header(300, 200))  # type: ignore[attr-defined]
    client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)})
    ring = [[150 + 40 * math.cos(2 * math.pi * k / 1000), 100 + 40 * math.sin(2 * math.pi * k / 1000)]
            for k in range(1000)]
    outline = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    assert client.post(f"/api/images/{image}/annotations",
                       json={"geometry": outline, "class": "2", "annotator": "alice"}).status_code == 201
    for fmt in ("csv", "ecsv", "fits", "votable", "geojson", "ds9"):
        response = client.get(f"/api/images/{image}/export", params={"format": fmt})
        assert response.status_code == 200, response.text
        assert "content-length" not in response.headers and response.headers["x-sources"] == "5"
        if fmt in ("ecsv", "fits", "votable"):
            table = Table.read(io.BytesIO(response.content),
                               format={"ecsv": "ascii.ecsv", "fits": "fits", "votable": "votable"}[fmt])
            cells = [g if isinstance(g, str) else bytes(np.asarray(g, dtype=np.uint8)).decode()  # FITS: UTF-8 bytes
                     for g in table["geometry"] if g is not np.ma.masked]
            geometry = [g for g in cells if g]
            assert len(geometry) == 1 and geometry[0].count(",") > 1990, fmt
