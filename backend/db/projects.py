"""Projects and their label schemes.

A scheme is data: classes with ids (strings, so named schemes and LEGUS's 1..4 share one type), names,
colours, hotkeys, and a binary mapping (the literature's cluster / non-cluster). The default is LEGUS's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.tables import Base, UTCDateTime, utcnow

LEGUS_SCHEME: dict[str, Any] = {
    "name": "LEGUS",
    "classes": [
        {"id": "1", "name": "compact symmetric cluster", "colour": "#3fb950", "hotkey": "1", "binary": "cluster"},
        {"id": "2", "name": "compact asymmetric cluster", "colour": "#58a6ff", "hotkey": "2", "binary": "cluster"},
        {"id": "3", "name": "multi-peak association", "colour": "#d29922", "hotkey": "3", "binary": "non-cluster"},
        {"id": "4", "name": "not a cluster", "colour": "#f85149", "hotkey": "4", "binary": "non-cluster"},
    ],
    "binary": ["cluster", "non-cluster"],
}

DEFAULT_PROJECT = "default"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    scheme: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
