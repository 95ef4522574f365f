"""Cutouts through the API: the FITS 0-based window around (x, y), y up like the map, enlarged without
smoothing; refusals for sizes and renditions."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.backend.fits_factory import BRIGHT

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")


def png(client: TestClient, image_id: int, **params: object) -> np.ndarray:
    response = client.get(f"/api/images/{image_id}/cutout.png", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))


def test_cutout_is_centred_y_up_and_enlarged(client: TestClient, image: dict) -> None:
    x, y = BRIGHT  # FITS 0-based position of the one bright pixel of every band
    centred = png(client, image["id"], x=x, y=y, size=9, scale=3, rendition="F555W")
    assert centred.shape == (27, 27)
    rows, cols = np.nonzero(centred == centred.max())
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (12, 14, 12, 14)  # the centre pixel, 3x3 screen px
    below = png(client, image["id"], x=x, y=y - 1, size=9, scale=1, rendition="F555W")
    assert np.unravel_index(np.argmax(below), below.shape) == (3, 4)  # one FITS row up is one picture row up


def test_composite_and_explicit_limits(client: TestClient, image: dict) -> None:
    response = client.get(f"/api/images/{image['id']}/cutout.png",
                          params={"x": 100, "y": 50, "size": 16, "vmin": 0.5, "vmax": 1.5, "stretch": "linear"})
    assert response.status_code == 200
    picture = Image.open(io.BytesIO(response.content))
    assert picture.size == (48, 48) and picture.mode == "RGB"  # default rendition: a colour composite


def test_cutout_refusals(client: TestClient, image: dict) -> None:
    url = f"/api/images/{image['id']}/cutout.png"
    assert client.get(url, params={"x": 10, "y": 10, "size": 512, "scale": 8}).status_code == 422
    assert client.get(url, params={"x": 10, "y": 10, "rendition": "nope"}).status_code == 404
    assert client.get(url, params={"x": 10, "y": 10, "stretch": "cubic"}).status_code == 422
    assert client.get("/api/images/999/cutout.png", params={"x": 1, "y": 1}).status_code == 404
