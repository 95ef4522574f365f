"""What a start does before serving: remove what a killed ingest or upload left behind, and say so.

A killed ingest leaves ``images/.NAME.partial-*`` (the COGs being written; see :func:`tiles.ingest.ingest`), a
killed upload ``uploads/upload-*`` (the FITS files being received). Neither is referenced by the database, so
both are safe to delete once no server of this data directory is running: ``skylabel serve`` cleans before
it starts its workers (and tells them not to), an app built directly (tests, ``uvicorn --factory``) cleans in
:func:`backend.app.create_app`.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from backend.settings import Settings

log = logging.getLogger("skylabel")


@dataclass(frozen=True)
class Leftovers:
    paths: list[Path]
    bytes: int

    def describe(self) -> str:
        return f"removed {len(self.paths)} leftover(s) of killed ingests/uploads ({self.bytes / 2**20:.1f} MB)"


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def leftovers(settings: Settings) -> list[Path]:
    found = sorted(settings.images_dir.glob(".*.partial-*")) if settings.images_dir.is_dir() else []
    if settings.uploads_dir.is_dir():
        found += sorted(settings.uploads_dir.glob("upload-*"))
    return found


def remove_leftovers(settings: Settings) -> Leftovers:
    paths = leftovers(settings)
    total = 0
    for path in paths:
        try:
            total += _size(path)
        except OSError:
            pass
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    result = Leftovers(paths, total)
    if paths:
        log.warning("%s: %s", result.describe(), ", ".join(p.name for p in paths[:5]) + (" ..." if len(paths) > 5
                                                                                          else ""))
    return result
