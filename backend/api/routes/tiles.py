"""Tiles in pixel space (rio-tiler ``ImageReader`` over the rendition COGs) and their TileJSON."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from backend.api.deps import CatalogDep, SettingsDep
from tiles.params import StretchParams
from tiles.render import render_tile
from tiles.tilegrid import tile_grid

router = APIRouter(tags=["tiles"])

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


@router.get("/images/{image_id}/tiles/{rendition}/{z}/{x}/{y}.{fmt}", response_class=Response)
def get_tile(
    image_id: int, rendition: str, z: int, x: int, y: int, fmt: TileFormat,
    request: Request, catalog: CatalogDep, settings: SettingsDep, params: StretchDep,
) -> Response:
    """One 256 px tile of a rendition (or a single band by its name), stretched to 8 bits."""
    view = catalog.get(image_id)
    layer = view.rendition(rendition)
    key = f"{view.version}/{rendition}/{z}/{x}/{y}.{fmt}?{params.cache_key()}"
    etag = '"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.tile_cache_seconds}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    content = render_tile(layer.cog, layer.stats, z, x, y, params, fmt)
    return Response(content, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/images/{image_id}/tilejson.json")
def get_tilejson(
    image_id: int, request: Request, catalog: CatalogDep, params: StretchDep,
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
