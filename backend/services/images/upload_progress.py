"""How far an upload's ingest has got, for the browser's "add image" dialog to show while the POST runs.

The upload request itself ingests (atomic: on any error nothing is kept), so its progress is kept here under
a key the browser chose (``upload_key``) and read with ``GET /api/uploads/{key}``. One registry per process:
with several uvicorn workers a poll can land on another worker and read "unknown" (the dialog then shows
the upload bar only); the embedded default runs one.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from backend.errors import InputError

_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KEEP_SECONDS = 600.0


class UploadProgress:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def check_key(key: str) -> str:
        if not _KEY.match(key):
            raise InputError("upload_key must be 8 to 64 letters, digits, '-' or '_'")
        return key

    def update(self, key: str, stage: str, fraction: float, state: str = "ingesting") -> None:
        now = time.monotonic()
        with self._lock:
            self._items[key] = {"state": state, "stage": stage, "fraction": round(float(fraction), 4), "at": now}
            for old in [k for k, v in self._items.items() if now - v["at"] > KEEP_SECONDS]:
                del self._items[old]

    def get(self, key: str) -> dict[str, Any]:
        with self._lock:
            item = self._items.get(self.check_key(key))
        if item is None:
            return {"key": key, "state": "unknown", "stage": "", "fraction": 0.0}
        return {"key": key, **{k: v for k, v in item.items() if k != "at"}}
