"""Response and request schemas (a family per entity: Public, list with count)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class BandPublic(BaseModel):
    name: str
    filter: str | None = None
    bunit: str | None = None
    photflam: float | None = None
    photplam: float | None = None
    exptime: float | None = None
    calibrated: bool
    source_file: str | None = None
    stats: dict[str, Any] | None = Field(None, description="stretch statistics (zscale, median, robust std)")


class RenditionPublic(BaseModel):
    name: str
    title: str
    kind: str = Field(description="composite | band | custom")
    n_channels: int
    channels: list[dict[str, float]] = Field(description="each channel as {band: weight}")
    calibrated: bool


class TileGrid(BaseModel):
    tile_size: int
    minzoom: int
    maxzoom: int
    resolutions: list[float]
    extent: list[float]
    origin: list[float]


class StretchDefaults(BaseModel):
    stretch: str = "asinh"
    limits: str = "percentile"
    pmin: float = 0.5
    pmax: float = 99.8


class ImagePublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    archived_at: datetime | None = None
    width: int
    height: int
    bands: list[BandPublic]
    renditions: list[RenditionPublic]
    default_rendition: str
    stretch_defaults: StretchDefaults
    wcs: dict[str, Any]
    tile_grid: TileGrid
    warnings: list[str] = []


class ImagesPublic(BaseModel):
    count: int
    items: list[ImagePublic]


class PixelPoints(BaseModel):
    x: list[float | None] = Field(description="0-based FITS pixel x (astropy origin 0); null where undefined")
    y: list[float | None] = Field(description="0-based FITS pixel y (astropy origin 0); null where undefined")


class SkyPoints(BaseModel):
    ra: list[float | None] = Field(description="ICRS right ascension, degrees; null where undefined")
    dec: list[float | None] = Field(description="ICRS declination, degrees; null where undefined")


class PixelValues(PixelPoints):
    values: dict[str, list[float | None]] = Field(description="per band, the value at the nearest pixel")
