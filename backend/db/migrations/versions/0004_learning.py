"""task runs, model versions, predictions, pseudo-labels (the AI loop)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _image_fk() -> sa.Column:
    return sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "task_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        _image_fk(),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("params_key", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_task_runs_lookup", "task_runs", ["image_id", "name", "params_key"])
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("task_run_id", sa.Integer, sa.ForeignKey("task_runs.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("artefacts", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("image_id", "kind", "version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_model_versions_image_id", "model_versions", ["image_id"])
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("model_version_id", sa.Integer, sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("class", sa.String(50), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("entropy", sa.Float, nullable=False),
        sa.Column("probs", sa.JSON, nullable=False),
        sa.Column("rank", sa.Integer, nullable=True),
        sa.UniqueConstraint("image_id", "source_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_predictions_rank", "predictions", ["image_id", "rank"])
    op.create_index("ix_predictions_model_version_id", "predictions", ["model_version_id"])
    op.create_table(
        "pseudo_labels",
        sa.Column("id", sa.Integer, primary_key=True),
        _image_fk(),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("model_version_id", sa.Integer, sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("class", sa.String(50), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("model_version_id", "source_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pseudo_labels_image_id", "pseudo_labels", ["image_id"])


def downgrade() -> None:
    op.drop_table("pseudo_labels")
    op.drop_table("predictions")
    op.drop_table("model_versions")
    op.drop_table("task_runs")
