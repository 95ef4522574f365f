"""Regions of an image: create, list, delete, and DS9 region files in and out.

Geometry is FITS 0-based pixels (:mod:`backend.db.regions`). DS9 ``image`` coordinates are 1-based; the
``regions`` package converts both ways. Sky regions in a file (fk5, icrs, galactic) are turned into pixels
with the image's WCS; an image without one takes only ``image`` regions.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from astropy import units as u
from regions import (
    CirclePixelRegion,
    CircleSkyRegion,
    PixCoord,
    PixelRegion,
    PolygonPixelRegion,
    PolygonSkyRegion,
    RectanglePixelRegion,
    RectangleSkyRegion,
    Regions,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.regions import Region
from backend.errors import InputError, NotFoundError
from backend.services.images.wcs import image_wcs
from backend.services.labelling.layers import require_image
from backend.services.selection.geometry import check_geometry

MAX_NAME = 200


def region_public(region: Region) -> dict[str, Any]:
    return {"id": region.id, "image_id": region.image_id, "project_id": region.project_id, "name": region.name,
            "kind": region.kind, "geometry": region.geometry}


def list_regions(session: Session, image_id: int) -> list[Region]:
    require_image(session, image_id)
    return list(session.scalars(select(Region).where(Region.image_id == image_id).order_by(Region.id)))


def create_region(session: Session, image_id: int, kind: str, geometry: dict[str, Any], name: str = "") -> Region:
    image = require_image(session, image_id)
    if len(name) > MAX_NAME:
        raise InputError(f"region name is {len(name)} characters long: at most {MAX_NAME}")
    geometry = check_geometry(kind, geometry)
    count = session.scalar(select(Region.id).where(Region.image_id == image_id).order_by(Region.id.desc()).limit(1))
    region = Region(image_id=image_id, project_id=image.project_id, kind=kind, geometry=geometry,
                    name=name or f"{kind} {(count or 0) + 1}")
    session.add(region)
    session.flush()
    return region


def get_region(session: Session, region_id: int) -> Region:
    region = session.get(Region, region_id)
    if region is None:
        raise NotFoundError(f"no region with id {region_id}")
    return region


def delete_region(session: Session, region_id: int) -> None:
    session.delete(get_region(session, region_id))


# ---- DS9 -------------------------------------------------------------------------------------------------


def export_ds9(regions: list[Region]) -> str:
    """A DS9 region file in ``image`` coordinates (1-based, as DS9 reads them), one shape per region,
    its name in ``text={...}``."""
    shapes = Regions([_to_pixel_region(r) for r in regions])
    if not regions:
        return "# Region file format: DS9 version 4.1\nimage\n"
    return str(shapes.serialize(format="ds9", precision=3))


def _to_pixel_region(region: Region) -> PixelRegion:
    g = region.geometry
    meta = {"text": region.name}
    if region.kind == "circle":
        return CirclePixelRegion(PixCoord(g["x"], g["y"]), g["r"], meta=meta)
    if region.kind == "box":
        return RectanglePixelRegion(PixCoord(g["x"], g["y"]), g["width"], g["height"],
                                    angle=g.get("angle", 0.0) * u.deg, meta=meta)
    xs, ys = zip(*g["points"], strict=True)
    return PolygonPixelRegion(PixCoord(np.array(xs), np.array(ys)), meta=meta)


def import_ds9(session: Session, image_id: int, text: str) -> list[Region]:
    """Every circle, box and polygon of a DS9 file as regions of the image (all or nothing); other shapes and
    excluded regions are refused by name, since silently dropping one would widen the working set."""
    image = require_image(session, image_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = list(Regions.parse(text, format="ds9"))
        except Exception as exc:  # the regions package raises several types for malformed files
            raise InputError(f"not a DS9 region file: {exc}") from None
    if not parsed:
        raise InputError("the DS9 file holds no regions (circle, box or polygon)")
    wcs = None
    out = []
    for index, shape in enumerate(parsed, start=1):
        if not shape.meta.get("include", True):
            raise InputError(f"region {index} is an excluded (-) region: regions here only include")
        if not isinstance(shape, PixelRegion):
            if wcs is None:
                wcs = image_wcs(image)
                if wcs is None:
                    raise InputError(f"region {index} is in sky coordinates and image {image_id} has no "
                                     "celestial WCS: write the file in image coordinates")
            if not isinstance(shape, (CircleSkyRegion, RectangleSkyRegion, PolygonSkyRegion)):
                raise InputError(f"region {index} is a {type(shape).__name__}: only circle, box and polygon")
            shape = shape.to_pixel(wcs)
        kind, geometry = _from_pixel_region(shape, index)
        name = str(shape.meta.get("text") or shape.meta.get("label") or "")
        out.append(create_region(session, image_id, kind, geometry, name))
    return out


def _from_pixel_region(shape: PixelRegion, index: int) -> tuple[str, dict[str, Any]]:
    if isinstance(shape, CirclePixelRegion):
        return "circle", {"x": float(shape.center.x), "y": float(shape.center.y), "r": float(shape.radius)}
    if isinstance(shape, RectanglePixelRegion):
        return "box", {"x": float(shape.center.x), "y": float(shape.center.y), "width": float(shape.width),
                       "height": float(shape.height), "angle": float(u.Quantity(shape.angle).to_value(u.deg))}
    if isinstance(shape, PolygonPixelRegion):
        xs, ys = np.atleast_1d(shape.vertices.x), np.atleast_1d(shape.vertices.y)
        return "polygon", {"points": [[float(x), float(y)] for x, y in zip(xs, ys, strict=True)]}
    raise InputError(f"region {index} is a {type(shape).__name__}: only circle, box and polygon restrict sources")

