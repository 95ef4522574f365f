"""Turn stored images into their public JSON form (shared by the image routes and the CLI)."""

from __future__ import annotations

from typing import Any

from backend.api.schemas import BandPublic, ImagePublic, RenditionPublic, StretchDefaults, TileGrid
from backend.db.tables import Image
from tiles.errors import NoCelestialWcsError
from tiles.tilegrid import tile_grid
from tiles.wcs import load_wcs, wcs_summary


def _wcs_block(image: Image) -> dict[str, Any]:
    if not image.wcs_header:
        return {"has_celestial": False}
    try:
        wcs = load_wcs(image.wcs_header)
    except NoCelestialWcsError:
        return {"has_celestial": False}
    return wcs_summary(wcs, (image.height, image.width))


def _band_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """Stats without the 1001 stored quantiles (they stay on the server)."""
    return {k: v for k, v in stats.items() if k != "quantiles"}


def image_public(image: Image) -> ImagePublic:
    return ImagePublic(
        id=image.id, name=image.name, created_at=image.created_at, archived_at=image.archived_at,
        width=image.width, height=image.height,
        bands=[
            BandPublic(
                name=b.name, filter=b.filter, bunit=b.bunit, photflam=b.photflam, photplam=b.photplam,
                exptime=b.exptime, calibrated=b.calibrated, source_file=b.source_file,
                stats=_band_stats(b.stats),
            )
            for b in image.bands
        ],
        renditions=[
            RenditionPublic(
                name=r.name, title=r.title, kind=r.kind, n_channels=len(r.channels), channels=r.channels,
                calibrated=r.calibrated,
            )
            for r in image.renditions
        ],
        default_rendition=image.default_rendition,
        stretch_defaults=StretchDefaults(),
        wcs=_wcs_block(image),
        tile_grid=TileGrid(**tile_grid(image.width, image.height)),
        warnings=list(image.warnings or []),
    )
