"""Application settings, read once from ``SKYLABEL_*`` environment variables in :func:`create_app`.

Nothing here is evaluated at import time: tests build their own :class:`Settings` and pass them in.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Literal

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
    max_json_mb: float = Field(default=1.0, description="largest accepted JSON body")
    auth: Literal["local", "accounts"] | None = Field(
        default=None, description="local (one implicit owner, no login) | accounts; default: local on a "
        "loopback bind, accounts otherwise")
    bind_host: str = Field(default="127.0.0.1", description="the address the server listens on (set by serve)")
    allowed_hosts: str = Field(default="", description="comma list of Host names served (TrustedHostMiddleware); "
                               "default: loopback names and the bind address")
    cors_origins: str = Field(default="", description="comma list of origins allowed cross-site; default none")
    session_hours: float = Field(default=24 * 14, description="lifetime of a login session")
    login_max_failures: int = Field(default=5, ge=1, description="failed logins per username and address in "
                                    "login_window_s before 429 (four times that per address)")
    login_window_s: float = Field(default=300.0, gt=0, description="window of login_max_failures, seconds")
    secret_key: str | None = Field(default=None, description="signs the OIDC state cookie; default: a key "
                                   "kept in <data_dir>/secret_key")
    oidc_issuer: str | None = Field(default=None, description="OpenID Connect issuer URL (institute SSO, ORCID)")
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid email profile"
    oidc_name: str = Field(default="institute", description="the sign-in button's provider name")
    oidc_default_role: Literal["viewer", "annotator", "reviewer", "owner"] | None = Field(
        default=None, description="role on every project of a user's first institute sign-in; default none "
        "(an owner grants one)")
    local_user: str = Field(default_factory=lambda: local_username(),
                            description="local mode's implicit owner (default: the login name)")
    cleanup_on_start: bool = Field(default=True, description="remove leftovers of killed ingests at start")
    setup: bool = Field(default=False, description="accounts mode without an owner: start anyway and print a "
                        "one-time setup link that makes the owner account")
    setup_token_hash: str = Field(default="", description="SHA-256 of the setup link's token (set by serve for "
                                  "its workers)")

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

    @property
    def resolved_auth(self) -> Literal["local", "accounts"]:
        if self.auth is not None:
            return self.auth
        return "local" if is_loopback(self.bind_host) else "accounts"

    @property
    def resolved_allowed_hosts(self) -> list[str]:
        named = [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        if named:
            return named
        hosts = ["localhost", "127.0.0.1", "::1", "[::1]"]
        if self.bind_host not in ("0.0.0.0", "::", "") and self.bind_host not in hosts:
            hosts.append(self.bind_host)
        return hosts

    @property
    def resolved_cors_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def resolved_secret_key(self) -> str:
        """The signing key: the setting, else one made once and kept in the data directory (all workers share it)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another worker made it a moment ago
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.images_dir, self.uploads_dir):
            path.mkdir(parents=True, exist_ok=True)


def local_username() -> str:
    import getpass
    import re

    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = ""
    name = re.sub(r"[^A-Za-z0-9._@-]", "", name)[:100]
    return name if name and name[0].isalnum() else "owner"


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
