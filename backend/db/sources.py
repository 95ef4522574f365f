"""Source layers and sources.

A layer is one set of sources on one image: SExtractor detections (yellow rings in the paper's UI), a reference
catalogue such as LEGUS (blue), sources picked for annotation (large white rings), or sources drawn by
annotators. Positions are FITS 0-based pixels (astropy origin 0). ``row_band`` = floor(y / ROW_BAND_PX) makes
viewport queries index seeks (``row_band IN (...) AND x BETWEEN ...``) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.tables import Base, UTCDateTime, utcnow

ROW_BAND_PX = 64
LAYER_KINDS = ("detections", "reference", "picked", "annotation")


class Layer(Base):
    __tablename__ = "layers"
    __table_args__ = (UniqueConstraint("image_id", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    style: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_file: Mapped[str | None] = mapped_column(String(500), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    n_sources: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    train_on_reference: Mapped[bool] = mapped_column(
        Boolean, default=False, doc="the probe trains on this layer's reference classes (a user's switch)")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                         doc="hidden, labels kept: deleted while labelled")


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("layer_id", "catalog_id"),
        # y and label_class after x: the viewport filters are checked on index entries (migration 0003)
        Index("ix_sources_viewport", "image_id", "layer_id", "row_band", "x", "y", "label_class"),
        Index("ix_sources_label_state", "image_id", "label_class"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id", ondelete="CASCADE"))
    catalog_id: Mapped[str] = mapped_column(String(100), doc="the id in the imported catalogue")
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    row_band: Mapped[int] = mapped_column(Integer)
    ra: Mapped[float | None] = mapped_column(Float, nullable=True)
    dec: Mapped[float | None] = mapped_column(Float, nullable=True)
    shape: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    label_class: Mapped[str | None] = mapped_column(String(50), nullable=True, doc="consensus (mode) of votes")
    n_votes: Mapped[int] = mapped_column(Integer, default=0)
    reference_class: Mapped[str | None] = mapped_column(
        String(50), nullable=True, doc="the class a reference catalogue gives it: a reference, never a vote")
