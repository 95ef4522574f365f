"""pix2world / world2pix / values against astropy on the same header."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from fastapi.testclient import TestClient

from tests.backend.conftest import upload
from tests.backend.fits_factory import BRIGHT, write_band


def test_pix2world_matches_astropy(client: TestClient, image: dict, bands: dict[str, Path]) -> None:
    wcs = WCS(fits.getheader(bands["F555W"]))
    xs, ys = [0.0, 12.5, 299.0, 150.25], [0.0, 80.0, 199.0, 99.75]
    response = client.get(f"/api/images/{image['id']}/pix2world",
                          params={"x": ",".join(map(str, xs)), "y": ",".join(map(str, ys))})
    assert response.status_code == 200
    got = response.json()
    ra, dec = wcs.all_pix2world(np.array(xs), np.array(ys), 0)
    np.testing.assert_allclose(got["ra"], ra, atol=1e-10)
    np.testing.assert_allclose(got["dec"], dec, atol=1e-10)
    back = client.post(f"/api/images/{image['id']}/world2pix", json={"ra": got["ra"], "dec": got["dec"]}).json()
    np.testing.assert_allclose(back["x"], xs, atol=1e-6)
    np.testing.assert_allclose(back["y"], ys, atol=1e-6)


def test_many_points_at_once(client: TestClient, image: dict) -> None:
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(0, 300, 5000), rng.uniform(0, 200, 5000)
    sky = client.post(f"/api/images/{image['id']}/pix2world", json={"x": xs.tolist(), "y": ys.tolist()}).json()
    assert len(sky["ra"]) == 5000
    pix = client.post(f"/api/images/{image['id']}/world2pix", json=sky).json()
    np.testing.assert_allclose(pix["x"], xs, atol=1e-6)


def test_bad_coordinate_lists_are_422(client: TestClient, image: dict) -> None:
    url = f"/api/images/{image['id']}/pix2world"
    assert client.get(url, params={"x": "1,2", "y": "1"}).status_code == 422
    response = client.get(url, params={"x": "1,abc", "y": "1,2"})
    assert response.status_code == 422 and "abc" in response.json()["detail"]


def test_image_without_celestial_wcs_is_409(client: TestClient, tmp_path: Path) -> None:
    plain = write_band(tmp_path / "plain.fits", header=fits.Header())
    image = upload(client, "no-wcs", {"F555W": plain}).json()
    response = client.get(f"/api/images/{image['id']}/pix2world", params={"x": "1", "y": "1"})
    assert response.status_code == 409
    assert "celestial" in response.json()["detail"]
    assert image["wcs"]["has_celestial"] is False


def test_values_under_the_cursor(client: TestClient, image: dict) -> None:
    x, y = BRIGHT
    response = client.get(f"/api/images/{image['id']}/values", params={"x": f"{x},{x + 0.4},-5", "y": f"{y},{y},0"})
    assert response.status_code == 200
    values = response.json()["values"]
    assert set(values) == {"F435W", "F555W", "F814W"}
    assert values["F555W"][0] == 1000.0 and values["F555W"][1] == 1000.0
    assert values["F555W"][2] is None


def test_points_the_projection_cannot_reach_are_null(client: TestClient, image: dict) -> None:
    """The far side of the sky has no place on a TAN projection: null, not NaN (invalid JSON) or a 500."""
    response = client.get(f"/api/images/{image['id']}/world2pix", params={"ra": "330.1,150.1", "dec": "-2.2,2.2"})
    assert response.status_code == 200
    got = response.json()
    assert got["x"][0] is None and got["y"][0] is None
    assert got["x"][1] is not None
