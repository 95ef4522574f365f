"""Application settings, read once from ``SKYLABEL_*`` environment variables in :func:`create_app`.

Nothing here is evaluated at import time: tests build their own :class:`Settings` and pass them in.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    """Runtime data lives outside the source tree: ``$XDG_DATA_HOME/skylabel`` or ``~/.local/share/skylabel``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "skylabel"


class Settings(BaseSettings):
    """Every setting has an embedded default: SQLite under the data directory, tasks in-process, no Redis."""

    model_config = SettingsConfigDict(env_prefix="SKYLABEL_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="everything the app writes")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/skylabel.db"
    )
    broker_url: str | None = Field(default=None, description="Celery broker (redis://...); none = in-process")
    frontend_dir: Path = Field(default=REPO_ROOT / "frontend" / "dist", description="built browser app")
    max_upload_mb: float = Field(default=4096.0, description="largest accepted upload, per request")
    tile_cache_seconds: int = Field(default=86400, description="Cache-Control max-age of tiles")
    readers_per_file: int = Field(default=1, ge=1, le=64,
                                  description="open COG readers per file for tile rendering (tiles.readers)")
    tile_cache_mb: float = Field(default=256.0, description="encoded tiles kept in memory per process (0: none)")
    tile_warmup: bool = Field(default=True, description="open the tile readers and render one tile at start")
    process_name: str | None = Field(
        default=None, description="name in every answer's X-Skylabel-Process header; default host:pid"
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'skylabel.db').resolve()}"

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.images_dir, self.uploads_dir):
            path.mkdir(parents=True, exist_ok=True)
