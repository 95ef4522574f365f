"""Regions drawn on an image (polygon, box, circle) that restrict the triage grid, ``n``/``p`` and "label
next" to the sources inside them; saved with the image's project, read from and written to DS9 region files.

Geometry is in FITS 0-based pixels (astropy origin 0): ``circle`` ``{"x", "y", "r"}``, ``box`` ``{"x", "y",
"width", "height", "angle"}`` (centre, full sides, degrees counter-clockwise as DS9), ``polygon``
``{"points": [[x, y], ...]}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.tables import Base, UTCDateTime, utcnow

REGION_KINDS = ("polygon", "box", "circle")


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
