"""Cutouts around a source for the source panel: full-resolution PNG, stretched like the map."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Response

from backend.api.deps import ServingCacheDep
from backend.api.routes.tiles import StretchDep
from backend.errors import InputError
from tiles.cutout import cutout_rgba
from tiles.render import encode

router = APIRouter(tags=["cutouts"])

MAX_SCALE = 16
MAX_OUTPUT = 2048


@router.get("/images/{image_id}/cutout.png", response_class=Response)
def get_cutout(
    image_id: int, catalog: ServingCacheDep, params: StretchDep,
    x: Annotated[float, Query(description="centre, 0-based FITS pixel x")],
    y: Annotated[float, Query(description="centre, 0-based FITS pixel y")],
    size: Annotated[int, Query(ge=1, le=MAX_OUTPUT, description="window side in image pixels")] = 64,
    rendition: Annotated[str | None, Query(description="rendition or band name; default the image's")] = None,
    scale: Annotated[int, Query(ge=1, le=MAX_SCALE,
                                description="each image pixel drawn as scale x scale screen pixels")] = 3,
) -> Response:
    """The ``size`` x ``size`` FITS 0-based window centred on (x, y), north/y up like the map, enlarged
    ``scale`` times without smoothing. Limits come from the whole image's statistics (as the map's tiles),
    so passing the same explicit or percentile parameters for every band gives one shared stretch."""
    if not 1 <= scale <= MAX_SCALE or size * scale > MAX_OUTPUT:
        raise InputError(f"scale must be 1 to {MAX_SCALE} and size x scale at most {MAX_OUTPUT} pixels, "
                         f"got size {size}, scale {scale}")
    view = catalog.get(image_id)
    if not (-size <= x <= view.width + size and -size <= y <= view.height + size):
        raise InputError(f"cutout centre ({x:g}, {y:g}) is off the {view.width}x{view.height} image "
                         "(0-based FITS pixels)")
    layer = view.rendition(rendition or next(iter(view.renditions), None) or next(iter(view.bands)))
    rgba = cutout_rgba(layer.cog, layer.stats, x, y, size, params)
    if scale > 1:
        rgba = np.repeat(np.repeat(rgba, scale, axis=0), scale, axis=1)
    png = encode(rgba, "png", grey=len(layer.stats) == 1)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
