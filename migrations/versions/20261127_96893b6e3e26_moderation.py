"""moderation: reports, claims, webhooks and their delivery log; a partial index for flagged comments

Revision ID: 96893b6e3e26
Revises: 1ae8bb80d83a
Create Date: 2026-11-27 05:58:53.261789
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, ORA_JSONB, DateTimeUTC, JsonB
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# Autogenerate renders advanced-alchemy's types as sa.<Type>.
sa.GUID = GUID
sa.DateTimeUTC = DateTimeUTC
sa.JsonB = JsonB
sa.ORA_JSONB = ORA_JSONB

revision = "96893b6e3e26"
down_revision = "1ae8bb80d83a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column(
            "events",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=Text()), "cockroachdb")
            .with_variant(sa.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_webhook_created_by_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_webhook_site_id_site"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_site_id"), ["site_id"], unique=False)

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("webhook_id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "delivered", "failed", name="deliverystatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_webhook_delivery_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhook.id"], name=op.f("fk_webhook_delivery_webhook_id_webhook"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_webhook_delivery_webhook_created", ["webhook_id", "created_at"], unique=False)

    op.create_table(
        "claim",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("comment_id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("moderator_id", sa.GUID(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_claim_comment_id_comment"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["user_account.id"], name=op.f("fk_claim_moderator_id_user_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_claim_site_id_site"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_claim_comment_id")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_site_id"), ["site_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("comment_id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("reporter_id", sa.GUID(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("resolved_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_report_comment_id_comment"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_report_reporter_id_user_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_report_site_id_site"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("comment_id", "reporter_id", name=op.f("uq_report_comment_id")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_reporter_created", ["reporter_id", "created_at"], unique=False)
        batch_op.create_index("ix_report_site_open_comment", ["site_id", "resolved_at", "comment_id"], unique=False)

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_flagged_site_status_created",
            ["site_id", "status", "created_at"],
            unique=False,
            sqlite_where=sa.text("flagged = 1"),
            postgresql_where=sa.text("flagged"),
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_comment_flagged_site_status_created",
            sqlite_where=sa.text("flagged = 1"),
            postgresql_where=sa.text("flagged"),
        )

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_site_open_comment")
        batch_op.drop_index("ix_report_reporter_created")

    op.drop_table("report")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_site_id"))

    op.drop_table("claim")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_webhook_created")
        batch_op.drop_index("ix_webhook_delivery_due")

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_site_id"))

    op.drop_table("webhook")
