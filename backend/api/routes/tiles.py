"""Tiles in pixel space (rio-tiler ``ImageReader`` over the rendition COGs) and their TileJSON.

Tiles are the hot path: a map asks for dozens per second. FastAPI's per-request validation of the eleven stretch
parameters and its dependency resolution cost about as much CPU as rendering a tile (measured with py-spy on
``skylabel bench tiles``), so :func:`install_fast_tiles` serves the same URL through a plain Starlette route
that parses the stretch once per distinct query string (an LRU cache: a map sends the same stretch with every
tile). The FastAPI route below stays for the OpenAPI schema and answers identically.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from backend.api.deps import ServingCacheDep, SettingsDep
from backend.api.tile_cache import TileCache
from backend.errors import InputError
from backend.services.images.serving_cache import ServingCache
from backend.settings import Settings
from tiles.params import StretchParams
from tiles.render import render_tile
from tiles.tilegrid import tile_grid

router = APIRouter(tags=["tiles"])
log = logging.getLogger("skylabel.tiles")

MEDIA_TYPES = {"webp": "image/webp", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
TileFormat = Literal["webp", "png", "jpg", "jpeg"]


def stretch_query(
    stretch: Annotated[str, Query(description="linear | log | sqrt | asinh | lupton")] = "asinh",
    limits: Annotated[
        str | None, Query(description="zscale | percentile | explicit; default percentile, explicit with vmin/vmax")
    ] = None,
    pmin: Annotated[float, Query(description="lower percentile (limits=percentile)")] = 0.5,
    pmax: Annotated[float, Query(description="upper percentile (limits=percentile)")] = 99.8,
    vmin: Annotated[str | None, Query(description="explicit lower limit; comma list per channel")] = None,
    vmax: Annotated[str | None, Query(description="explicit upper limit; comma list per channel")] = None,
    softening: Annotated[float | None, Query(description="asinh softening (fraction of the range)")] = None,
    a: Annotated[float | None, Query(description="log stretch parameter")] = None,
    q: Annotated[float | None, Query(description="Lupton Q")] = None,
    gamma: Annotated[float | None, Query(description="display gamma applied after the stretch")] = None,
    link: Annotated[bool, Query(description="one shared limit pair for all channels of a composite")] = False,
) -> StretchParams:
    """Stretch parameters grouped as one object (titiler's habit); validation errors become 422."""
    return StretchParams.from_query({
        "stretch": stretch, "limits": limits, "pmin": pmin, "pmax": pmax, "vmin": vmin, "vmax": vmax,
        "softening": softening, "a": a, "q": q, "gamma": gamma, "link": link,
    })


StretchDep = Annotated[StretchParams, Depends(stretch_query)]
STRETCH_KEYS = ("stretch", "limits", "pmin", "pmax", "vmin", "vmax", "softening", "a", "q", "gamma", "link")


@lru_cache(maxsize=1024)
def stretch_for_query(query: str) -> StretchParams:
    """The stretch of a raw query string (validated once per distinct string; errors are not cached)."""
    pairs = dict(parse_qsl(query, keep_blank_values=False))
    return StretchParams.from_query({key: pairs[key] for key in STRETCH_KEYS if key in pairs})


def tile_response(catalog: ServingCache, settings: Settings, if_none_match: str | None, image_id: int,
                  rendition: str, z: int, x: int, y: int, fmt: str, params: StretchParams,
                  cache: TileCache | None = None) -> Response:
    """The tile (or 304 when the client holds it): shared by the fast route and the documented one.
    Encoded tiles are kept in ``cache`` under their ETag (what the ETag encodes is all a tile depends on)."""
    view = catalog.get(image_id)
    layer = view.rendition(rendition)
    key = f"{view.version}/{rendition}/{z}/{x}/{y}.{fmt}?{params.cache_key()}"
    etag = '"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.tile_cache_seconds}"}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    cached = cache.get(etag) if cache is not None else None
    if cached is not None:
        headers["X-Tile-Cache"] = "hit"
        return Response(cached[0], media_type=cached[1], headers=headers)
    content = render_tile(layer.cog, layer.stats, z, x, y, params, fmt)
    if cache is not None:
        cache.put(etag, content, MEDIA_TYPES[fmt])
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)


def warm_tiles(catalog: ServingCache, settings: Settings, cache: TileCache | None, limit: int = 8) -> int:
    """Open the readers of the newest images' renditions and render their coarsest tile, so the first
    tile a user asks for does not pay for opening files (50-110 ms in a fresh process). Returns how many
    tiles were rendered; a broken image is skipped (its requests report their own errors)."""
    params = stretch_for_query("")
    done = 0
    for image_id in catalog.ids()[-limit:]:
        try:
            view = catalog.get(image_id)
            z = tile_grid(view.width, view.height)["minzoom"]
            for name in view.renditions:
                tile_response(catalog, settings, None, image_id, name, z, 0, 0, "webp", params, cache)
                done += 1
        except Exception:  # noqa: BLE001 - warming is best effort
            log.warning("tile warm-up skipped image %s", image_id, exc_info=True)
    return done


async def fast_tile(request: Request) -> Response:
    p = request.path_params
    fmt = p["fmt"]
    if fmt not in MEDIA_TYPES:
        raise InputError(f"tile format {fmt!r} is not supported: use one of webp, png, jpg")
    params = stretch_for_query(request.url.query)
    state = request.app.state
    return await run_in_threadpool(tile_response, state.serving_cache, state.settings,
                                   request.headers.get("if-none-match"), p["image_id"],
                                   p["rendition"], p["z"], p["x"], p["y"], fmt, params, state.tile_cache)


def install_fast_tiles(app: FastAPI) -> None:
    """Serve tiles through :func:`fast_tile`, ahead of every other route, with the process's tile cache;
    warm the readers at start (on the worker lanes' ``warmup`` lane: the server answers meanwhile)."""
    settings: Settings = app.state.settings
    app.state.tile_cache = TileCache(int(settings.tile_cache_mb * 2**20)) if settings.tile_cache_mb > 0 else None
    if settings.tile_warmup:
        async def warm() -> None:  # on the worker's warm-up lane (the one mechanism for background work)
            app.state.learning.lanes.submit("warmup", warm_tiles, app.state.serving_cache, settings,
                                            app.state.tile_cache)

        app.router.on_startup.append(warm)
    path = "/api/images/{image_id:int}/tiles/{rendition}/{z:int}/{x:int}/{y:int}.{fmt}"
    app.router.routes.insert(0, Route(path, fast_tile, methods=["GET"], include_in_schema=False))


@router.get("/images/{image_id}/tiles/{rendition}/{z}/{x}/{y}.{fmt}", response_class=Response)
def get_tile(
    image_id: int, rendition: str, z: int, x: int, y: int, fmt: TileFormat,
    request: Request, catalog: ServingCacheDep, settings: SettingsDep, params: StretchDep,
) -> Response:
    """One 256 px tile of a rendition (or a single band by its name), stretched to 8 bits."""
    return tile_response(catalog, settings, request.headers.get("if-none-match"), image_id, rendition, z, x, y,
                         fmt, params, request.app.state.tile_cache)


@router.get("/images/{image_id}/tilejson.json")
def get_tilejson(
    image_id: int, request: Request, catalog: ServingCacheDep, params: StretchDep,
    rendition: Annotated[str | None, Query(description="rendition name; default: the image's default")] = None,
    fmt: Annotated[TileFormat, Query(alias="format")] = "webp",
) -> dict:
    """TileJSON 3.0.0 for a rendition; ``bounds`` are the image extent in map (pixel) units."""
    view = catalog.get(image_id)
    name = rendition or next(iter(view.renditions), None) or next(iter(view.bands))
    view.rendition(name)  # 404 for an unknown rendition
    grid = tile_grid(view.width, view.height)
    query = {k: v for k, v in request.query_params.items() if k not in ("rendition", "format")}
    base = str(request.url_for("get_tile", image_id=image_id, rendition=name, z="{z}", x="{x}", y="{y}", fmt=fmt))
    base = base.replace("%7B", "{").replace("%7D", "}")
    return {
        "tilejson": "3.0.0",
        "name": f"{view.name} / {name}",
        "scheme": "xyz",
        "tiles": [base + (f"?{urlencode(query)}" if query else "")],
        "minzoom": grid["minzoom"],
        "maxzoom": grid["maxzoom"],
        "bounds": grid["extent"],
        "tile_size": grid["tile_size"],
        "stretch": params.cache_key(),
    }
