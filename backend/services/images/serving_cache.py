"""A read-mostly, thread-safe cache of what serving an image needs (paths, stats, WCS).

Tile requests are the hot path: they must not query the database or parse FITS headers each time. Images
are immutable after ingest and ids are never reused, so an entry stays valid until the image is deleted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from astropy.wcs import WCS
from sqlalchemy.orm import Session, sessionmaker

from backend.errors import NotFoundError
from backend.services.images.store import load_image


@dataclass(frozen=True)
class PlaneView:
    """A band or a rendition: one float COG and the stretch statistics of each of its channels."""

    name: str
    cog: Path
    stats: list[dict[str, Any]]


@dataclass
class ImageView:
    id: int
    name: str
    width: int
    height: int
    version: str
    bands: dict[str, PlaneView]
    renditions: dict[str, PlaneView]
    wcs_header: str | None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rendition(self, name: str) -> PlaneView:
        """A rendition by name; single bands are addressable by their band name too."""
        layer = self.renditions.get(name) or self.bands.get(name)
        if layer is None:
            known = ", ".join([*self.renditions, *self.bands])
            raise NotFoundError(f"image {self.id} has no rendition {name!r}; available: {known}")
        return layer

    @cached_property
    def wcs(self) -> WCS:
        from tiles.wcs import load_wcs  # raises NoCelestialWcsError when there is none

        with self._lock:
            return load_wcs(self.wcs_header)


class ServingCache:
    def __init__(self, sessions: sessionmaker[Session], data_dir: Path) -> None:
        self._sessions = sessions
        self._data_dir = data_dir
        self._views: dict[int, ImageView] = {}
        self._lock = threading.Lock()

    def get(self, image_id: int) -> ImageView:
        view = self._views.get(image_id)
        if view is not None:
            return view
        with self._sessions() as session:
            image = load_image(session, image_id)
            folder = self._data_dir / image.folder
            view = ImageView(
                id=image.id, name=image.name, width=image.width, height=image.height,
                version=f"{image.id}-{int(image.created_at.timestamp())}",
                bands={b.name: PlaneView(b.name, folder / b.cog, [b.stats]) for b in image.bands},
                renditions={r.name: PlaneView(r.name, folder / r.cog, list(r.stats)) for r in image.renditions},
                wcs_header=image.wcs_header,
            )
        with self._lock:
            self._views[image_id] = view
        return view

    def ids(self) -> list[int]:
        """Every image id, oldest first."""
        from sqlalchemy import select

        from backend.db.tables import Image

        with self._sessions() as session:
            return list(session.scalars(select(Image.id).order_by(Image.id)))

    def forget(self, image_id: int) -> None:
        with self._lock:
            self._views.pop(image_id, None)
