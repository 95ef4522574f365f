"""Open COG readers kept between tile requests, one thread per reader at a time.

Opening a GeoTIFF costs about a millisecond and drops GDAL's per-dataset state, so the tile server keeps
rio-tiler ``ImageReader`` objects open. A rasterio dataset must not be used by two threads at once, so the
pool hands each reader to one caller and takes it back afterwards: under load a path gets as many readers as
there are concurrent requests for it, and up to ``per_path`` of them stay open when idle.

Readers are keyed by the file's path, size and modification time: re-ingesting an image (a new file at the
same path) retires the old readers on their next use instead of serving stale pixels.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rio_tiler.errors import NoOverviewWarning
from rio_tiler.io import ImageReader

from tiles.errors import TilesError

_Key = tuple[str, int, int]


class ReaderPool:
    """A thread-safe LRU pool of open ``ImageReader`` objects, at most ``max_paths`` files."""

    def __init__(self, max_paths: int = 64, per_path: int = 4) -> None:
        self.max_paths = max_paths
        self.per_path = per_path
        self._idle: OrderedDict[_Key, list[ImageReader]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(path: str | os.PathLike[str]) -> _Key:
        name = os.fspath(path)
        try:
            info = os.stat(name)
        except FileNotFoundError:
            raise TilesError(f"image file {name} is missing: re-ingest the image") from None
        return name, info.st_size, info.st_mtime_ns

    @staticmethod
    def _open(name: str) -> ImageReader:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoOverviewWarning)
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine `*` inside rasterio
            try:
                with rasterio.Env(GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"):
                    return ImageReader(name)
            except RasterioIOError as error:
                raise TilesError(f"image file {name} cannot be read ({error}): re-ingest the image") from None

    @contextmanager
    def reader(self, path: str | os.PathLike[str] | Path) -> Iterator[ImageReader]:
        """Lend an open reader of ``path`` to the calling thread for the duration of the block."""
        key = self._key(path)
        stale: list[ImageReader] = []
        with self._lock:
            for other in [k for k in self._idle if k[0] == key[0] and k != key]:
                stale.extend(self._idle.pop(other))
            idle = self._idle.get(key)
            reader = idle.pop() if idle else None
        for old in stale:
            old.close()
        if reader is None:
            reader = self._open(key[0])
        try:
            yield reader
        finally:
            self._give_back(key, reader)

    def _give_back(self, key: _Key, reader: ImageReader) -> None:
        evicted: list[ImageReader] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) < self.per_path:
                idle.append(reader)
            else:
                evicted.append(reader)
            while len(self._idle) > self.max_paths:
                evicted.extend(self._idle.popitem(last=False)[1])
        for old in evicted:
            old.close()

    def close(self) -> None:
        """Close every idle reader (readers in use are closed when given back only if over the limits)."""
        with self._lock:
            readers = [r for idle in self._idle.values() for r in idle]
            self._idle.clear()
        for reader in readers:
            reader.close()

    def open_count(self) -> int:
        """Idle readers currently held (for tests and monitoring)."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())


READERS = ReaderPool()
"""The process-wide pool the renderer uses."""
