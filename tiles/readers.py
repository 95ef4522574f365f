"""Open COG readers kept between tile requests, lent to one thread at a time.

Opening a GeoTIFF costs about a millisecond and drops GDAL's decompressed blocks, so the tile server keeps
rio-tiler ``ImageReader`` objects open. A rasterio dataset must not be used by two threads at once, so the
pool lends each reader to one caller at a time.

By default there is ONE reader per file (``per_path=1``) and concurrent requests for the same file take
turns for the read only (stretching and encoding run in parallel). This was measured to be the better
trade on a small server: GDAL caches decompressed blocks per dataset handle, so several handles on one file
decompress the same 512 x 512 blocks several times (4 threads on 2 cores: 14.5 ms of CPU per tile with one
handle per thread, 9 ms with one shared handle). Larger servers may raise ``per_path`` or, better, run more
worker processes.

Readers are keyed by the file's path, size and modification time: re-ingesting an image (a new file at the
same path) retires the old readers instead of serving stale pixels. A thread must not ask for a file it
already holds (with ``per_path=1`` it would wait for itself).
"""

from __future__ import annotations

import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rio_tiler.errors import NoOverviewWarning
from rio_tiler.io import ImageReader

from tiles.errors import TilesError

_Key = tuple[str, int, int]


@dataclass
class _Entry:
    """The readers of one file version: idle ones, and how many are open in all (idle + lent)."""

    idle: list[ImageReader] = field(default_factory=list)
    total: int = 0


class ReaderPool:
    """A thread-safe LRU pool of open ``ImageReader`` objects: at most ``max_paths`` files, ``per_path`` each."""

    def __init__(self, max_paths: int = 64, per_path: int = 1) -> None:
        self.max_paths = max_paths
        self.per_path = per_path
        self._entries: OrderedDict[_Key, _Entry] = OrderedDict()
        self._cond = threading.Condition()

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

    def _borrow(self, key: _Key) -> tuple[_Entry, ImageReader | None, list[ImageReader]]:
        """Under the lock: an idle reader, or None when the caller may open one; plus readers to close."""
        retired: list[ImageReader] = []
        for other in [k for k in self._entries if k[0] == key[0] and k != key]:
            retired.extend(self._entries.pop(other).idle)  # lent ones are closed when given back
        entry = self._entries.setdefault(key, _Entry())
        self._entries.move_to_end(key)
        while not entry.idle and entry.total >= self.per_path:
            self._cond.wait()
            if self._entries.get(key) is not entry:  # evicted or replaced while waiting: start afresh
                entry = self._entries.setdefault(key, _Entry())
        if entry.idle:
            return entry, entry.idle.pop(), retired
        entry.total += 1
        return entry, None, retired

    @contextmanager
    def reader(self, path: str | os.PathLike[str] | Path) -> Iterator[ImageReader]:
        """Lend an open reader of ``path`` to the calling thread for the duration of the block."""
        key = self._key(path)
        with self._cond:
            entry, reader, retired = self._borrow(key)
        for old in retired:
            old.close()
        if reader is None:
            try:
                reader = self._open(key[0])
            except BaseException:
                with self._cond:
                    entry.total -= 1
                    self._cond.notify_all()
                raise
        try:
            yield reader
        finally:
            self._give_back(key, entry, reader)

    def _give_back(self, key: _Key, entry: _Entry, reader: ImageReader) -> None:
        to_close: list[ImageReader] = []
        with self._cond:
            if self._entries.get(key) is entry:
                entry.idle.append(reader)
            else:  # the file was replaced or evicted while lent
                to_close.append(reader)
            while len(self._entries) > self.max_paths:
                to_close.extend(self._entries.popitem(last=False)[1].idle)
            self._cond.notify_all()
        for old in to_close:
            old.close()

    def set_per_path(self, per_path: int) -> None:
        """Allow ``per_path`` open readers per file from now on (1 to 64); readers already open stay."""
        if not 1 <= int(per_path) <= 64:
            raise TilesError(f"readers per file must be 1 to 64, got {per_path}")
        with self._cond:
            self.per_path = int(per_path)
            self._cond.notify_all()

    def close(self) -> None:
        """Close every idle reader and forget every file (lent readers are closed when given back)."""
        with self._cond:
            readers = [r for entry in self._entries.values() for r in entry.idle]
            self._entries.clear()
            self._cond.notify_all()
        for reader in readers:
            reader.close()

    def open_count(self) -> int:
        """Idle readers currently held (for tests and monitoring)."""
        with self._cond:
            return sum(len(entry.idle) for entry in self._entries.values())


READERS = ReaderPool()
"""The process-wide pool the renderer uses: one reader per file unless :func:`set_readers_per_file` says
otherwise (the app and the worker do, from ``SKYLABEL_READERS_PER_FILE``, when they start)."""


def set_readers_per_file(per_path: int) -> None:
    """How many open readers :data:`READERS` keeps per file (1 to 64); readers already open stay."""
    READERS.set_per_path(per_path)
