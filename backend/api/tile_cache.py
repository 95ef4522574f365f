"""Encoded tiles kept in memory, so panning back over a region costs a lookup instead of a render.

An astronomer pans back and forth over the same region for hours; encoding is half of a tile's CPU. The
key is what the ETag already encodes (image version, rendition, z/x/y, format, canonical stretch), so a
cached tile is exactly the one the client would get rendered, and a new ingest (a new image version) or
another stretch can never be served stale. Bounded by bytes, least recently used out first; one per
process (uvicorn workers each keep their own: a shared cache across workers would need a store such as
Redis, which the embedded default does not run).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    bytes: int = 0
    entries: int = 0


class TileCache:
    """A thread-safe LRU of encoded tiles, ``max_bytes`` in total (0 disables it)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.stats.misses += 1
                return None
            self._items.move_to_end(key)
            self.stats.hits += 1
            return item

    def put(self, key: str, content: bytes, media_type: str) -> None:
        size = len(content)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.stats.bytes -= len(old[0])
            self._items[key] = (content, media_type)
            self.stats.bytes += size
            while self.stats.bytes > self.max_bytes and self._items:
                _, (dropped, _) = self._items.popitem(last=False)
                self.stats.bytes -= len(dropped)
                self.stats.evictions += 1
            self.stats.entries = len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.stats = CacheStats()
