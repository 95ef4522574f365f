"""The learning loop's tables: task runs, model versions, current predictions, pseudo-labels.

- ``task_runs``: one row per background task (pretrain, embed, fit_probe, probe_accuracy, predict, sample):
  what was asked (``params`` and their ``params_key``), how far it got (``progress`` 0..1, ``message``) and
  how it ended (``result`` or ``error``). A task re-reads its row, so running it again is safe (Celery's habit).
- ``model_versions``: every encoder (``byol``) and probe (``probe``) of an image, numbered per image and kind,
  with its files under ``<data_dir>/models/<image_id>/`` (``path`` is relative to the data directory), the
  config it was made with, its metrics and which labels it used (annotation ids and classes).
- ``predictions``: the scores of the image's current probe for every source (older versions' rows are
  replaced: one row per source, not one per source and version).
- ``pseudo_labels``: confident predictions the probe trained on, kept apart. They are the model's opinion:
  never written to ``annotations``, never exported, never shown as a human label.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.tables import Base, UTCDateTime, utcnow

TASK_NAMES = ("pretrain", "embed", "fit_probe", "probe_accuracy", "predict", "sample")
TASK_STATUSES = ("queued", "running", "done", "failed")
MODEL_KINDS = ("byol", "probe")


class TaskRun(Base):
    __tablename__ = "task_runs"
    __table_args__ = (
        Index("ix_task_runs_lookup", "image_id", "name", "params_key"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        String(50), doc="pretrain | embed | fit_probe | probe_accuracy | predict | sample")
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="queued", doc="queued | running | done | failed")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params_key: Mapped[str] = mapped_column(String(64), doc="sha256 of the canonical params JSON")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(
        String(200), nullable=True, doc="in-process runs: host:pid holding it (a dead pid = interrupted)")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("image_id", "kind", "version"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), doc="byol | probe")
    version: Mapped[int] = mapped_column(Integer, doc="1, 2, ... per image and kind")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=True, doc="a probe's encoder version")
    task_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("task_runs.id", ondelete="SET NULL"), nullable=True)
    path: Mapped[str] = mapped_column(String(500), doc="folder of its files, relative to the data directory")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="annotation ids and classes used")
    artefacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, doc="files, e.g. embeddings")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Prediction(Base):
    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("image_id", "source_id"),
        Index("ix_predictions_rank", "image_id", "rank"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    model_version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True)
    class_: Mapped[str] = mapped_column("class", String(50), doc="most probable class")
    score: Mapped[float] = mapped_column(Float, doc="its probability (max prob)")
    entropy: Mapped[float] = mapped_column(Float, doc="predictive entropy, nats")
    probs: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{class: probability}")
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True, doc="1 = label first (last sample task)")


class PseudoLabel(Base):
    __tablename__ = "pseudo_labels"
    __table_args__ = (UniqueConstraint("model_version_id", "source_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    class_: Mapped[str] = mapped_column("class", String(50))
    confidence: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
