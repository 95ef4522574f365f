"""Tiles through the API: formats, caching headers, the pixel grid, and parameter errors."""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image as PILImage

from tests.backend.fits_factory import BRIGHT


def tile_url(image: dict, rendition: str, z: int, x: int, y: int, fmt: str = "png", query: str = "") -> str:
    return f"/api/images/{image['id']}/tiles/{rendition}/{z}/{x}/{y}.{fmt}" + (f"?{query}" if query else "")


def test_tile_formats_and_cache_headers(client: TestClient, image: dict) -> None:
    rendition = image["default_rendition"]
    for fmt, media in (("webp", "image/webp"), ("png", "image/png"), ("jpg", "image/jpeg")):
        response = client.get(tile_url(image, rendition, 0, 0, 0, fmt))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media
        assert "max-age" in response.headers["cache-control"]
        etag = response.headers["etag"]
        again = client.get(tile_url(image, rendition, 0, 0, 0, fmt), headers={"If-None-Match": etag})
        assert again.status_code == 304
    other = client.get(tile_url(image, rendition, 0, 0, 0, "png", "stretch=linear"))
    assert other.headers["etag"] != client.get(tile_url(image, rendition, 0, 0, 0, "png")).headers["etag"]


def test_known_bright_pixel_lands_where_the_grid_says(client: TestClient, image: dict) -> None:
    """At the finest zoom, FITS 0-based (x, y) sits in tile column x // 256 and COG row H-1-y (y up)."""
    grid = image["tile_grid"]
    z = grid["maxzoom"]
    x, y = BRIGHT
    row = image["height"] - 1 - y
    response = client.get(tile_url(image, "F555W", z, x // 256, row // 256, "png", "stretch=linear&vmin=0&vmax=1000"))
    assert response.status_code == 200
    rgba = np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGBA"), dtype=float)
    pixels = rgba[..., 0] * (rgba[..., 3] > 0)  # transparent padding outside the image does not count
    peak = np.unravel_index(np.argmax(pixels), pixels.shape)
    assert (int(peak[1]), int(peak[0])) == (x % 256, row % 256)


def test_tile_outside_the_image_is_404(client: TestClient, image: dict) -> None:
    response = client.get(tile_url(image, image["default_rendition"], 0, 5, 5))
    assert response.status_code == 404
    assert response.json()["detail"]


def test_bad_stretch_parameters_are_422(client: TestClient, image: dict) -> None:
    rendition = image["default_rendition"]
    for query in ("stretch=wobbly", "pmin=90&pmax=10", "limits=explicit", "limits=explicit&vmin=a&vmax=b"):
        response = client.get(tile_url(image, rendition, 0, 0, 0, "png", query))
        assert response.status_code == 422, query
        assert response.json()["detail"], query


def test_unknown_rendition_is_404_and_lists_known(client: TestClient, image: dict) -> None:
    response = client.get(tile_url(image, "nope", 0, 0, 0))
    assert response.status_code == 404
    assert "F555W" in response.json()["detail"]


def test_every_stretch_renders(client: TestClient, image: dict) -> None:
    rendition = image["default_rendition"]
    for stretch in ("linear", "log", "sqrt", "asinh", "lupton"):
        for limits in ("zscale", "percentile"):
            response = client.get(tile_url(image, rendition, 0, 0, 0, "webp", f"stretch={stretch}&limits={limits}"))
            assert response.status_code == 200, (stretch, limits, response.text)
    explicit = client.get(tile_url(image, rendition, 0, 0, 0, "png", "limits=explicit&vmin=0&vmax=2"))
    assert explicit.status_code == 200


def test_tilejson_points_at_the_tiles(client: TestClient, image: dict) -> None:
    response = client.get(f"/api/images/{image['id']}/tilejson.json?rendition=F555W&stretch=linear")
    assert response.status_code == 200
    tj = response.json()
    assert tj["tilejson"] == "3.0.0" and tj["maxzoom"] == image["tile_grid"]["maxzoom"]
    template = tj["tiles"][0]
    assert "/tiles/F555W/{z}/{x}/{y}.webp" in template and "stretch=linear" in template
    path = template.split("testserver", 1)[1].replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
    assert client.get(path).status_code == 200
