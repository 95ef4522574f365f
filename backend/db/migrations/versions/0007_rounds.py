"""consensus rounds: round options and state, sampled sources, assignments, state changes, adjudications;
repeat showings on annotations; reference classes on sources and the per-layer switch to train on them

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(name: str, table: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="open"))
        batch.add_column(sa.Column("k", sa.Integer, nullable=True))
        batch.add_column(sa.Column("blind", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("show_predictions", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("show_previous_majority", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("created_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("options", sa.JSON, nullable=False, server_default="{}"))
    op.execute("UPDATE rounds SET state = status")
    # the server defaults stay: dropping them would make SQLite copy the (large) annotations table
    with op.batch_alter_table("annotations") as batch:
        batch.add_column(sa.Column("repeat", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("reference_class", sa.String(50), nullable=True))
    with op.batch_alter_table("layers") as batch:
        batch.add_column(sa.Column("train_on_reference", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "round_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("round_id", "rounds"),
        _fk("source_id", "sources"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("gold_class", sa.String(50), nullable=True),
        sa.UniqueConstraint("round_id", "source_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_round_sources_round_id", "round_sources", ["round_id"])
    op.create_index("ix_round_sources_source_id", "round_sources", ["source_id"])
    op.create_table(
        "round_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("round_id", "rounds"),
        sa.Column("annotator_id", sa.Integer, sa.ForeignKey("annotators.id"), nullable=False),
        _fk("source_id", "sources"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("repeat", sa.Boolean, nullable=False),
        sa.UniqueConstraint("round_id", "annotator_id", "source_id", "repeat"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_round_assignments_queue", "round_assignments", ["round_id", "annotator_id", "position"])
    op.create_table(
        "round_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("round_id", "rounds"),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("by", sa.String(100), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_round_changes_round_id", "round_changes", ["round_id"])
    op.create_table(
        "adjudications",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("round_id", "rounds"),
        _fk("source_id", "sources"),
        sa.Column("class", sa.String(50), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_adjudications_round_source", "adjudications", ["round_id", "source_id", "id"])


def downgrade() -> None:
    op.drop_table("adjudications")
    op.drop_table("round_changes")
    op.drop_table("round_assignments")
    op.drop_table("round_sources")
    with op.batch_alter_table("layers") as batch:
        batch.drop_column("train_on_reference")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("reference_class")
    with op.batch_alter_table("annotations") as batch:
        batch.drop_column("repeat")
    with op.batch_alter_table("rounds") as batch:
        for name in ("options", "created_by", "show_previous_majority", "show_predictions", "blind", "k", "state"):
            batch.drop_column(name)
