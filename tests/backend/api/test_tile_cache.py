"""The encoded-tile cache: repeat views are served from memory under the ETag's key, bounded by bytes, and
each process warms its readers at start."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backend.api.routes.tiles import warm_tiles
from backend.api.tile_cache import TileCache
from tests.backend.api.routes.test_tiles import tile_url


def test_a_repeat_tile_comes_from_the_cache_with_the_same_bytes(client: TestClient, image: dict) -> None:
    rendition = image["default_rendition"]
    cache: TileCache = client.app.state.tile_cache  # type: ignore[attr-defined]
    cache.clear()
    first = client.get(tile_url(image, rendition, 0, 0, 0, "webp"))
    assert first.status_code == 200 and "x-tile-cache" not in first.headers
    again = client.get(tile_url(image, rendition, 0, 0, 0, "webp"))
    assert again.headers.get("x-tile-cache") == "hit" and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"] and again.headers["content-type"] == "image/webp"
    assert (cache.stats.hits, cache.stats.misses, cache.stats.entries) == (1, 1, 1)
    # another stretch or format is another tile
    other = client.get(tile_url(image, rendition, 0, 0, 0, "webp", "stretch=linear"))
    assert "x-tile-cache" not in other.headers and other.content != first.content
    assert "x-tile-cache" not in client.get(tile_url(image, rendition, 0, 0, 0, "png")).headers
    # If-None-Match with a list of tags, as browsers may send
    listed = client.get(tile_url(image, rendition, 0, 0, 0, "webp"),
                        headers={"If-None-Match": f'"abc", {first.headers["etag"]}'})
    assert listed.status_code == 304 and listed.content == b""


def test_the_cache_is_bounded_by_bytes_least_recently_used_out() -> None:
    cache = TileCache(max_bytes=10)
    cache.put("a", b"1234", "image/png")
    cache.put("b", b"1234", "image/png")
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", b"1234", "image/png")  # 12 bytes > 10: b goes
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert cache.stats.bytes == 8 and cache.stats.evictions == 1
    cache.put("huge", b"x" * 11, "image/png")  # larger than the whole cache: not kept
    assert cache.get("huge") is None
    assert TileCache(0).get("a") is None


def test_warm_up_opens_every_rendition_and_fills_the_cache(client: TestClient, image: dict) -> None:
    cache: TileCache = client.app.state.tile_cache  # type: ignore[attr-defined]
    cache.clear()
    state = client.app.state  # type: ignore[attr-defined]
    done = warm_tiles(state.serving_cache, state.settings, cache)
    assert done == len(image["renditions"]) and cache.stats.entries == done
    z = image["tile_grid"]["minzoom"]
    hit = client.get(tile_url(image, image["default_rendition"], z, 0, 0, "webp"))
    assert hit.headers.get("x-tile-cache") == "hit"


def test_the_server_warms_its_tiles_at_start_on_the_warmup_lane(client: TestClient, image: dict) -> None:
    from backend.app import create_app

    started = TestClient(create_app(client.app.state.settings))  # type: ignore[attr-defined]
    with started:  # runs the startup handlers
        state = started.app.state  # type: ignore[attr-defined]
        assert state.learning.lanes.idle(60)
        z = image["tile_grid"]["minzoom"]
        hit = started.get(tile_url(image, image["default_rendition"], z, 0, 0, "webp"))
    assert hit.headers.get("x-tile-cache") == "hit"  # rendered by the warm-up before anyone asked
