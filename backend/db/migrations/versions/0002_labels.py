"""projects, layers, sources, annotators, rounds, annotations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from backend.db.projects import DEFAULT_PROJECT, LEGUS_SCHEME

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    projects = op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("scheme", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.bulk_insert(projects, [{"name": DEFAULT_PROJECT, "description": "created with the database",
                               "scheme": LEGUS_SCHEME, "created_at": datetime.now(UTC)}])
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("project_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_images_project", "projects", ["project_id"], ["id"])
        batch.create_index("ix_images_project_id", ["project_id"])
    op.create_table(
        "layers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("style", sa.JSON, nullable=False),
        sa.Column("source_file", sa.String(500), nullable=True),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("image_id", "name"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_layers_image_id", "layers", ["image_id"])
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("layer_id", sa.Integer, sa.ForeignKey("layers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("catalog_id", sa.String(100), nullable=False),
        sa.Column("x", sa.Float, nullable=False),
        sa.Column("y", sa.Float, nullable=False),
        sa.Column("row_band", sa.Integer, nullable=False),
        sa.Column("ra", sa.Float, nullable=True),
        sa.Column("dec", sa.Float, nullable=True),
        sa.Column("shape", sa.JSON, nullable=True),
        sa.Column("geometry", sa.JSON, nullable=True),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("label_class", sa.String(50), nullable=True),
        sa.Column("n_votes", sa.Integer, nullable=False),
        sa.UniqueConstraint("layer_id", "catalog_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sources_viewport", "sources", ["image_id", "layer_id", "row_band", "x"])
    op.create_index("ix_sources_label_state", "sources", ["image_id", "label_class"])
    op.create_table(
        "annotators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rounds_image_id", "rounds", ["image_id"])
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("annotator_id", sa.Integer, sa.ForeignKey("annotators.id"), nullable=False),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id"), nullable=True),
        sa.Column("class", sa.String(50), nullable=True),
        sa.Column("geometry", sa.JSON, nullable=True),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("annotations.id"), nullable=True),
        sa.Column("client_key", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_annotations_source", "annotations", ["source_id", "annotator_id", "id"])
    op.create_index("ix_annotations_image_time", "annotations", ["image_id", "created_at"])


def downgrade() -> None:
    op.drop_table("annotations")
    op.drop_table("rounds")
    op.drop_table("annotators")
    op.drop_table("sources")
    op.drop_table("layers")
    with op.batch_alter_table("images") as batch:
        batch.drop_index("ix_images_project_id")
        batch.drop_constraint("fk_images_project", type_="foreignkey")
        batch.drop_column("project_id")
    op.drop_table("projects")
