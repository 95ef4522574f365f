"""Images through the API: upload (ingest), list, read, refusals that leave nothing behind."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from backend.settings import Settings
from tests.backend.conftest import upload
from tests.backend.fits_factory import tan_header, write_band


def leftovers(settings: Settings) -> list[Path]:
    return [p for d in (settings.images_dir, settings.uploads_dir) for p in d.iterdir()]


def test_upload_lists_and_describes_the_image(client: TestClient, image: dict) -> None:
    assert image["width"] == 300 and image["height"] == 200
    assert [b["name"] for b in image["bands"]] == ["F435W", "F555W", "F814W"]
    assert image["bands"][0]["photflam"] == 1e-19
    names = [r["name"] for r in image["renditions"]]
    assert image["default_rendition"] in names
    assert {"F435W", "F555W", "F814W"} <= set(names)
    assert image["wcs"]["has_celestial"] is True
    assert abs(image["wcs"]["pixel_scale_arcsec"]["mean"] - 0.04) < 1e-6
    grid = image["tile_grid"]
    assert grid["tile_size"] == 256 and grid["extent"] == [0, 0, 300, 200] and grid["origin"] == [0, 200]
    listed = client.get("/api/images").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == image["id"]
    assert client.get(f"/api/images/{image['id']}").json()["name"] == "test-galaxy"


def test_unknown_image_is_404_with_a_message(client: TestClient) -> None:
    response = client.get("/api/images/999")
    assert response.status_code == 404
    assert "no image with id 999" in response.json()["detail"]


def test_duplicate_name_is_409(client: TestClient, image: dict, bands: dict[str, Path]) -> None:
    response = upload(client, "test-galaxy", bands)
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


def test_mismatched_bands_are_refused_and_nothing_is_left(client: TestClient, settings: Settings,
                                                         tmp_path: Path) -> None:
    a = write_band(tmp_path / "a.fits", 300, 200)
    b = write_band(tmp_path / "b.fits", 310, 200, header=tan_header(310, 200))
    response = upload(client, "bad", {"F555W": a, "F814W": b})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "F555W" in detail and "F814W" in detail and "grid" in detail
    assert client.get("/api/images").json()["count"] == 0
    assert leftovers(settings) == []


def test_malformed_fits_is_422(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"SIMPLE  = this is not a FITS file" * 10)
    response = upload(client, "junk", {"F555W": junk})
    assert response.status_code == 422
    assert response.json()["detail"]
    assert leftovers(settings) == []


def test_band_names_must_match_files(client: TestClient, bands: dict[str, Path]) -> None:
    files = [("files", (p.name, p.read_bytes(), "application/fits")) for p in bands.values()]
    response = client.post("/api/images", data={"name": "x", "bands": ["F555W"]}, files=files)
    assert response.status_code == 422
    assert "one name per file" in response.json()["detail"]


def test_oversized_upload_is_413(tmp_path: Path, bands: dict[str, Path]) -> None:
    from backend.app import create_app

    settings = Settings(data_dir=tmp_path / "small", frontend_dir=tmp_path / "none", max_upload_mb=0.1)
    client = TestClient(create_app(settings))
    response = upload(client, "big", bands)
    assert response.status_code == 413
    assert "SKYLABEL_MAX_UPLOAD_MB" in response.json()["detail"]
    assert leftovers(settings) == []


def test_delete_removes_row_and_files(client: TestClient, settings: Settings, image: dict) -> None:
    assert client.delete(f"/api/images/{image['id']}").status_code == 204
    assert client.get(f"/api/images/{image['id']}").status_code == 404
    assert leftovers(settings) == []


def test_upload_progress_is_reported_under_the_key(client: TestClient, bands: dict[str, Path]) -> None:
    assert client.get("/api/uploads/abcdefgh1").json()["state"] == "unknown"
    response = upload(client, "tracked", bands, upload_key="abcdefgh1")
    assert response.status_code == 201, response.text
    done = client.get("/api/uploads/abcdefgh1").json()
    assert done["state"] == "done" and done["fraction"] == 1.0
    refused = upload(client, "tracked", bands, upload_key="abcdefgh2")  # the name is taken: 409
    assert refused.status_code == 409
    assert client.get("/api/uploads/abcdefgh2").json()["state"] == "failed"
    assert client.get("/api/uploads/bad").status_code == 422
