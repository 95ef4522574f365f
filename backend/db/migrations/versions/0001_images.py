"""images, bands, renditions

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("folder", sa.String(500), nullable=False),
        sa.Column("wcs_header", sa.Text, nullable=True),
        sa.Column("default_rendition", sa.String(100), nullable=False),
        sa.Column("warnings", sa.JSON, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "bands",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("cog", sa.String(500), nullable=False),
        sa.Column("filter", sa.String(100), nullable=True),
        sa.Column("bunit", sa.String(100), nullable=True),
        sa.Column("photflam", sa.Float, nullable=True),
        sa.Column("photplam", sa.Float, nullable=True),
        sa.Column("exptime", sa.Float, nullable=True),
        sa.Column("calibrated", sa.Boolean, nullable=False),
        sa.Column("source_file", sa.String(500), nullable=True),
        sa.Column("stats", sa.JSON, nullable=False),
        sa.UniqueConstraint("image_id", "name"),
    )
    op.create_index("ix_bands_image_id", "bands", ["image_id"])
    op.create_table(
        "renditions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("image_id", sa.Integer, sa.ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("calibrated", sa.Boolean, nullable=False),
        sa.Column("cog", sa.String(500), nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
        sa.UniqueConstraint("image_id", "name"),
    )
    op.create_index("ix_renditions_image_id", "renditions", ["image_id"])


def downgrade() -> None:
    op.drop_table("renditions")
    op.drop_table("bands")
    op.drop_table("images")
