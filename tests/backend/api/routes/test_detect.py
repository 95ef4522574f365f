"""Detection through the API: sep finds the sources of a synthetic image at their FITS 0-based positions,
stores them as a detections layer with shapes, photometry columns and RA/Dec from the WCS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from fastapi.testclient import TestClient

from tests.backend.conftest import upload
from tests.backend.fits_factory import tan_header

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
STARS = [(40.3, 30.7), (120.0, 95.5), (250.6, 160.2), (200.2, 40.9)]  # FITS 0-based (x, y)


def write_field(path: Path, seed: int, amplitude: float = 50.0) -> Path:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:200, 0:300]
    data = rng.normal(0.0, 1.0, (200, 300))
    for x, y in STARS:
        data += amplitude * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.5**2))
    fits.PrimaryHDU(data.astype(np.float32), header=tan_header(300, 200)).writeto(path)
    return path


@pytest.fixture
def field(client: TestClient, tmp_path: Path) -> int:
    bands = {"F555W": write_field(tmp_path / "v.fits", 1), "F814W": write_field(tmp_path / "i.fits", 2, 80.0)}
    response = upload(client, "field", bands)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_detect_stores_a_layer_at_the_right_positions(client: TestClient, field: int) -> None:
    response = client.post(f"/api/images/{field}/detect", json={"bands": ["F555W", "F814W"], "threshold": 5})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["detected"] == len(STARS) and body["layer"]["name"] == "sep detections"
    assert body["layer"]["kind"] == "detections" and "magnitudes are instrumental" in body["notes"][0]
    items = client.get(f"/api/images/{field}/sources/list", params={"columns": "mag_F555W,ci"}).json()["items"]
    found = np.array([(i["x"], i["y"]) for i in items])
    for x, y in STARS:
        assert np.hypot(*(found - (x, y)).T).min() < 0.1, (x, y)
    detail = client.get(f"/api/sources/{items[0]['id']}").json()
    assert set(detail["shape"]) >= {"a", "b", "theta", "flags"} and detail["ra"] is not None
    assert {"mag_F555W", "mag_F814W", "ci", "npix"} <= set(detail["columns"])
    sky = client.get(f"/api/images/{field}/pix2world", params={"x": detail["x"], "y": detail["y"]}).json()
    assert detail["dec"] == pytest.approx(sky["dec"][0], abs=1e-10)
    again = client.post(f"/api/images/{field}/detect", json={"threshold": 5}).json()
    assert again["layer"]["name"] == "sep detections (2)"


def test_detect_refusals(client: TestClient, field: int) -> None:
    unknown = client.post(f"/api/images/{field}/detect", json={"bands": ["F336W"]})
    assert unknown.status_code == 422 and "no band(s) F336W" in unknown.json()["detail"]
    bad = client.post(f"/api/images/{field}/detect", json={"threshold": -1})
    assert bad.status_code == 422 and "threshold" in bad.json()["detail"]
    none = client.post(f"/api/images/{field}/detect", json={"threshold": 1000})
    assert none.status_code == 422 and "no sources found" in none.json()["detail"]
    assert client.get(f"/api/images/{field}/layers").json() == []
