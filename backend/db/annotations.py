"""Annotators, rounds and annotations.

Annotations are append-only: changing a label adds a new row whose ``supersedes_id`` points at the annotator's
previous one for that source, so history is kept and every label can be traced. A retraction (undo of a
first label) is a row with ``class_`` NULL. ``client_key`` makes a retried save idempotent: the browser sends
the same key again after a network failure and the second insert is recognised, never duplicated.
Pseudo-labels of the learning loop are never stored here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.tables import Base, UTCDateTime, utcnow


class Annotator(Base):
    __tablename__ = "annotators"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="human", doc="human | catalogue")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, unique=True,
                                                doc="the account of a human annotator; NULL for a catalogue")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Round(Base):
    """A labelling round on one image.

    Two kinds share the table. A *tag round* (``k`` NULL) only numbers labels, as before: open at once, labels
    sent without ``round_id`` join the latest open one. A *consensus round* (``k`` set) has sampled sources
    (``round_sources``), each assigned to ``k`` annotators (``round_assignments``), and moves through
    ``state`` draft -> open -> closed -> adjudicated, every change recorded (``round_changes``); its labels
    name it explicitly. ``status`` stays the legacy open / closed view of ``state``."""

    __tablename__ = "rounds"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="open", doc="draft | open | closed | adjudicated")
    k: Mapped[int | None] = mapped_column(Integer, nullable=True, doc="votes wanted per source; NULL: a tag round")
    blind: Mapped[bool] = mapped_column(Boolean, default=True)
    show_predictions: Mapped[bool] = mapped_column(Boolean, default=False)
    show_previous_majority: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="how the sources were chosen, seed")


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_source", "source_id", "annotator_id", "id"),
        Index("ix_annotations_image_time", "image_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), nullable=True)
    class_: Mapped[str | None] = mapped_column("class", String(50), nullable=True)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id"), nullable=True)
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False,
                                         doc="a round's repeat showing (self-agreement): never a current vote")
