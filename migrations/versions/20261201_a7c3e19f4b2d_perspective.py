"""perspective: API keys and suggested scores of the Perspective-compatible API

Revision ID: a7c3e19f4b2d
Revises: 96893b6e3e26
Create Date: 2026-12-01 08:54:06.110681
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, ORA_JSONB, DateTimeUTC, JsonB
from alembic import op
from sqlalchemy import Text  # noqa: F401 - used by rendered JSON variants

# Autogenerate renders advanced-alchemy's types as sa.<Type>.
sa.GUID = GUID
sa.DateTimeUTC = DateTimeUTC
sa.JsonB = JsonB
sa.ORA_JSONB = ORA_JSONB

revision = "a7c3e19f4b2d"
down_revision = "96893b6e3e26"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "perspective_key",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("qps", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.Column("analyze_requests", sa.BigInteger(), nullable=False),
        sa.Column("suggest_requests", sa.BigInteger(), nullable=False),
        sa.Column("limited_requests", sa.BigInteger(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perspective_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_perspective_key_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_perspective_key_name")),
    )
    op.create_table(
        "perspective_feedback",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("key_id", sa.GUID(length=16), nullable=False),
        sa.Column("attribute", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("model_score", sa.Float(), nullable=True),
        sa.Column("model_id", sa.String(length=100), nullable=True),
        sa.Column("text_sha256", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("community_id", sa.String(length=500), nullable=True),
        sa.Column("client_token", sa.String(length=500), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["perspective_key.id"],
            name=op.f("fk_perspective_feedback_key_id_perspective_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perspective_feedback")),
    )
    with op.batch_alter_table("perspective_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_perspective_feedback_key_created", ["key_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("perspective_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_perspective_feedback_key_created")

    op.drop_table("perspective_feedback")
    op.drop_table("perspective_key")
