"""SQLAlchemy 2 tables.

Pixel geometry stored here is in FITS 0-based coordinates (astropy origin 0), as everywhere in the API.
Large per-image artefacts (COGs, the ingest manifest with full headers) live on disk under the image's folder;
the database keeps what queries need.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Image(Base):
    """One ingested multi-band image of a galaxy, on one pixel grid."""

    __tablename__ = "images"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused: tile ETags stay valid

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    folder: Mapped[str] = mapped_column(String(500), doc="relative to the data directory")
    wcs_header: Mapped[str | None] = mapped_column(Text, nullable=True)
    default_rendition: Mapped[str] = mapped_column(String(100))
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                         doc="hidden, labels kept: deleted while labelled")

    bands: Mapped[list[Band]] = relationship(
        back_populates="image", cascade="all, delete-orphan", order_by="Band.position"
    )
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="image", cascade="all, delete-orphan", order_by="Rendition.position"
    )


class Band(Base):
    __tablename__ = "bands"
    __table_args__ = (UniqueConstraint("image_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    cog: Mapped[str] = mapped_column(String(500), doc="relative to the image folder")
    filter: Mapped[str | None] = mapped_column(String(100), nullable=True)
    bunit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    photflam: Mapped[float | None] = mapped_column(Float, nullable=True)
    photplam: Mapped[float | None] = mapped_column(Float, nullable=True)
    exptime: Mapped[float | None] = mapped_column(Float, nullable=True)
    calibrated: Mapped[bool] = mapped_column(default=False)
    source_file: Mapped[str | None] = mapped_column(String(500), nullable=True)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)

    image: Mapped[Image] = relationship(back_populates="bands")


class Rendition(Base):
    """A recipe (channels as linear combinations of bands) rendered to its own float COG."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("image_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    channels: Mapped[list[Any]] = mapped_column(JSON)
    calibrated: Mapped[bool] = mapped_column(default=False)
    cog: Mapped[str] = mapped_column(String(500))
    stats: Mapped[list[Any]] = mapped_column(JSON)

    image: Mapped[Image] = relationship(back_populates="renditions")
