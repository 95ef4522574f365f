"""Pixel <-> sky conversions and pixel values, for the cursor readout and go-to.

Pixel coordinates are 0-based on the original FITS array (astropy origin 0); sky coordinates are ICRS degrees,
converted from the image's own frame (galactic, FK5, ...) where that differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query

from backend.api.deps import ServingCacheDep
from backend.api.schemas import PixelPoints, PixelValues, SkyPoints
from backend.errors import InputError
from tiles.render import read_pixel_values
from tiles.wcs import pix2world, world2pix

router = APIRouter(tags=["sky"])

MAX_POINTS = 200_000


def parse_floats(text: str, name: str) -> list[float]:
    """A comma-separated list of numbers from the query string, with a message naming the bad item."""
    values = []
    for item in text.split(","):
        item = item.strip()
        try:
            values.append(float(item))
        except ValueError:
            raise InputError(f"{name}: {item!r} is not a number (give comma-separated numbers)") from None
    return values


def paired(a: Sequence[float | None], b: Sequence[float | None],
           names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    if len(a) != len(b):
        raise InputError(f"{names[0]} has {len(a)} values but {names[1]} has {len(b)}: give them in pairs")
    if len(a) > MAX_POINTS:
        raise InputError(f"at most {MAX_POINTS} points per request, got {len(a)}")
    def as_array(values: Sequence[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    return as_array(a), as_array(b)


def _json_floats(values: np.ndarray) -> list[float | None]:
    """Floats for JSON: NaN (a point the projection cannot reach) becomes null."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float).ravel()]


FAR_OUTSIDE = 10.0  # image sizes beyond the image's edge: no astrometric solution reaches that far


def _to_sky(catalog: ServingCacheDep, image_id: int, x: Sequence[float | None], y: Sequence[float | None]) -> SkyPoints:
    """RA/Dec of the pixels; null for a pixel the projection does not reach: further than ``FAR_OUTSIDE`` image
    sizes from the image (a TAN plane goes on to infinity, but no fit of the image's astrometry does), or
    whose position does not come back to it through world2pix (to 1e-3 px)."""
    xs, ys = paired(x, y, ("x", "y"))
    view = catalog.get(image_id)
    reach = FAR_OUTSIDE * max(view.width, view.height)
    with np.errstate(invalid="ignore"):
        near = (np.abs(xs - view.width / 2) <= reach) & (np.abs(ys - view.height / 2) <= reach)
    xs, ys = np.where(near, xs, np.nan), np.where(near, ys, np.nan)
    ra, dec = pix2world(view.wcs, xs, ys)
    back_x, back_y = world2pix(view.wcs, ra, dec)
    with np.errstate(invalid="ignore"):
        lost = ~(np.hypot(np.asarray(back_x) - xs, np.asarray(back_y) - ys) <= 1e-3)
    ra, dec = np.where(lost, np.nan, ra), np.where(lost, np.nan, dec)
    return SkyPoints(ra=_json_floats(ra), dec=_json_floats(dec))


def _to_pixels(catalog: ServingCacheDep, image_id: int, ra: Sequence[float | None],
               dec: Sequence[float | None]) -> PixelPoints:
    ras, decs = paired(ra, dec, ("ra", "dec"))
    x, y = world2pix(catalog.get(image_id).wcs, ras, decs)
    return PixelPoints(x=_json_floats(x), y=_json_floats(y))


@router.get("/images/{image_id}/pix2world", response_model=SkyPoints)
def get_pix2world(
    image_id: int, catalog: ServingCacheDep,
    x: Annotated[str, Query(description="0-based FITS pixel x, comma-separated")],
    y: Annotated[str, Query(description="0-based FITS pixel y, comma-separated")],
) -> SkyPoints:
    """Pixel (0-based, astropy origin 0) to ICRS RA/Dec in degrees."""
    return _to_sky(catalog, image_id, parse_floats(x, "x"), parse_floats(y, "y"))


@router.post("/images/{image_id}/pix2world", response_model=SkyPoints)
def post_pix2world(image_id: int, catalog: ServingCacheDep, points: PixelPoints) -> SkyPoints:
    """Many points at once: JSON ``{"x": [...], "y": [...]}``."""
    return _to_sky(catalog, image_id, points.x, points.y)


@router.get("/images/{image_id}/world2pix", response_model=PixelPoints)
def get_world2pix(
    image_id: int, catalog: ServingCacheDep,
    ra: Annotated[str, Query(description="ICRS RA in degrees, comma-separated")],
    dec: Annotated[str, Query(description="ICRS Dec in degrees, comma-separated")],
) -> PixelPoints:
    """ICRS RA/Dec in degrees to pixel (0-based, astropy origin 0)."""
    return _to_pixels(catalog, image_id, parse_floats(ra, "ra"), parse_floats(dec, "dec"))


@router.post("/images/{image_id}/world2pix", response_model=PixelPoints)
def post_world2pix(image_id: int, catalog: ServingCacheDep, points: SkyPoints) -> PixelPoints:
    return _to_pixels(catalog, image_id, points.ra, points.dec)


@router.get("/images/{image_id}/values", response_model=PixelValues)
def get_values(
    image_id: int, catalog: ServingCacheDep,
    x: Annotated[str, Query(description="0-based FITS pixel x, comma-separated")],
    y: Annotated[str, Query(description="0-based FITS pixel y, comma-separated")],
) -> PixelValues:
    """Each band's value at the nearest pixel (null outside the image or where the data is blank)."""
    xs, ys = paired(parse_floats(x, "x"), parse_floats(y, "y"), ("x", "y"))
    if len(xs) > 1000:
        raise InputError("at most 1000 points per values request")
    view = catalog.get(image_id)
    values = read_pixel_values({name: band.cog for name, band in view.bands.items()}, xs, ys)
    return PixelValues(x=xs.tolist(), y=ys.tolist(), values={k: list(v) for k, v in values.items()})
