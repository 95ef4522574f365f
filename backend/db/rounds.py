"""Consensus rounds' own tables: sampled sources, assignments, state changes, adjudications.

- ``round_sources``: the round's sources in sample order; ``gold_class`` where the source is a hidden gold
  source (its class known from a reference layer).
- ``round_assignments``: one row per (annotator, source, showing): each source goes to ``k`` annotators;
  ``position`` is the annotator's own fixed random order; ``repeat`` rows are second showings of a source to
  the same person (self-agreement), placed later in their queue.
- ``round_changes``: every state change (draft -> open -> closed -> adjudicated), who and when.
- ``adjudications``: a reviewer's decision on a source, append-only (the latest one counts); votes are never
  touched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.tables import Base, UTCDateTime, utcnow


class RoundSource(Base):
    __tablename__ = "round_sources"
    __table_args__ = (UniqueConstraint("round_id", "source_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    gold_class: Mapped[str | None] = mapped_column(String(50), nullable=True)


class RoundAssignment(Base):
    __tablename__ = "round_assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "annotator_id", "source_id", "repeat"),
        Index("ix_round_assignments_queue", "round_id", "annotator_id", "position"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)


class RoundChange(Base):
    __tablename__ = "round_changes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20))
    by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Adjudication(Base):
    __tablename__ = "adjudications"
    __table_args__ = (Index("ix_adjudications_round_source", "round_id", "source_id", "id"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    class_: Mapped[str] = mapped_column("class", String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
