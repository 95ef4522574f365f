"""accounts: users, memberships, login sessions, API tokens; annotators linked to users; archived images/layers

Every existing human annotator gets a user row of the same name (no password), so labels made before
accounts keep who made them when a project moves to accounts mode.

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-03
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"  # after 0005 (regions) and 0007 (rounds), which landed first
branch_labels = None
depends_on = None


def _user_fk(index: bool = True) -> sa.Column:
    return sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                     index=index)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("orcid", sa.String(19), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("oidc_issuer", sa.String(500), nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True),
        _user_fk(),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "project_id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        _user_fk(),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        _user_fk(index=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    with op.batch_alter_table("annotators") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_annotators_user", "users", ["user_id"], ["id"])
        batch.create_unique_constraint("uq_annotators_user_id", ["user_id"])
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("layers") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    _users_for_existing_annotators()


def _users_for_existing_annotators() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    humans = conn.execute(sa.text("SELECT id, name FROM annotators WHERE kind = 'human'")).all()
    for annotator_id, name in humans:
        conn.execute(sa.text("INSERT INTO users (username, display_name, disabled, created_at) "
                             "VALUES (:name, :name, :disabled, :now)"), {"name": name, "now": now, "disabled": False})
        user_id = conn.execute(sa.text("SELECT id FROM users WHERE username = :name"), {"name": name}).scalar_one()
        conn.execute(sa.text("UPDATE annotators SET user_id = :user WHERE id = :id"),
                     {"user": user_id, "id": annotator_id})


def downgrade() -> None:
    with op.batch_alter_table("layers") as batch:
        batch.drop_column("archived_at")
    with op.batch_alter_table("images") as batch:
        batch.drop_column("archived_at")
    with op.batch_alter_table("annotators") as batch:
        batch.drop_constraint("uq_annotators_user_id", type_="unique")
        batch.drop_constraint("fk_annotators_user", type_="foreignkey")
        batch.drop_column("user_id")
    op.drop_index("ix_api_tokens_user", table_name="api_tokens")
    for table in ("api_tokens", "login_sessions", "memberships", "users"):
        op.drop_table(table)
