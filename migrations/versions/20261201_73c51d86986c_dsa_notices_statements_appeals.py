"""dsa: notices (Art. 16), statements of reasons (Art. 17, append-only), appeals (Art. 20), notifier
suspensions (Art. 23), messages to authors and notifiers

Revision ID: 73c51d86986c
Revises: 6c073b63007d
Create Date: 2026-12-01 09:18:31.515751
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

revision = "73c51d86986c"
down_revision = "6c073b63007d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsa_notifier_suspension",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("reporter_id", sa.GUID(length=16), nullable=True),
        sa.Column("reporter_email", sa.String(length=320), nullable=True),
        sa.Column("address_hash", sa.String(length=64), nullable=True),
        sa.Column("until", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unfounded_notices", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.GUID(length=16), nullable=False),
        sa.Column("lifted_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_dsa_notifier_suspension_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_dsa_notifier_suspension_reporter_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dsa_notifier_suspension_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_notifier_suspension")),
    )
    with op.batch_alter_table("dsa_notifier_suspension", schema=None) as batch_op:
        batch_op.create_index("ix_dsa_notifier_suspension_site_address", ["site_id", "address_hash"], unique=False)
        batch_op.create_index("ix_dsa_notifier_suspension_site_email", ["site_id", "reporter_email"], unique=False)

    op.create_table(
        "dsa_notice",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("comment_id", sa.GUID(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("legal_ground", sa.String(length=1000), nullable=False),
        sa.Column("reporter_name", sa.String(length=200), nullable=True),
        sa.Column("reporter_email", sa.String(length=320), nullable=True),
        sa.Column("reporter_id", sa.GUID(length=16), nullable=True),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("ground", sa.String(length=16), nullable=True),
        sa.Column("decision_explanation", sa.Text(), nullable=True),
        sa.Column("legal_reference", sa.String(length=500), nullable=True),
        sa.Column("manifestly_unfounded", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.GUID(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_dsa_notice_comment_id_comment")),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_dsa_notice_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["user_account.id"], name=op.f("fk_dsa_notice_reporter_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dsa_notice_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_notice")),
    )
    with op.batch_alter_table("dsa_notice", schema=None) as batch_op:
        batch_op.create_index("ix_dsa_notice_address_created", ["address_hash", "created_at"], unique=False)
        batch_op.create_index("ix_dsa_notice_comment", ["comment_id"], unique=False)
        batch_op.create_index("ix_dsa_notice_site_status_created", ["site_id", "status", "created_at"], unique=False)

    op.create_table(
        "dsa_statement",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("audit_entry_id", sa.GUID(length=16), nullable=True),
        sa.Column("user_id", sa.GUID(length=16), nullable=True),
        sa.Column("recipient_email", sa.String(length=320), nullable=True),
        sa.Column("comment_id", sa.GUID(length=16), nullable=True),
        sa.Column("notice_id", sa.GUID(length=16), nullable=True),
        sa.Column("sanction_id", sa.GUID(length=16), nullable=True),
        sa.Column("notifier_suspension_id", sa.GUID(length=16), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("ground", sa.String(length=8), nullable=False),
        sa.Column("legal_reference", sa.String(length=500), nullable=True),
        sa.Column("terms_rule", sa.String(length=200), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("eu_category", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("automated_detection", sa.Boolean(), nullable=False),
        sa.Column("automated_decision", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.GUID(length=16), nullable=True),
        sa.Column("content_date", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("until", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_entry_id"], ["audit_entry.id"], name=op.f("fk_dsa_statement_audit_entry_id_audit_entry")
        ),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_dsa_statement_comment_id_comment")),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_dsa_statement_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(["notice_id"], ["dsa_notice.id"], name=op.f("fk_dsa_statement_notice_id_dsa_notice")),
        sa.ForeignKeyConstraint(
            ["notifier_suspension_id"],
            ["dsa_notifier_suspension.id"],
            name=op.f("fk_dsa_statement_notifier_suspension_id_dsa_notifier_suspension"),
        ),
        sa.ForeignKeyConstraint(["sanction_id"], ["sanction.id"], name=op.f("fk_dsa_statement_sanction_id_sanction")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dsa_statement_site_id_site")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_dsa_statement_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_statement")),
        sa.UniqueConstraint("audit_entry_id", name=op.f("uq_dsa_statement_audit_entry_id")),
    )
    with op.batch_alter_table("dsa_statement", schema=None) as batch_op:
        batch_op.create_index("ix_dsa_statement_comment", ["comment_id"], unique=False)
        batch_op.create_index("ix_dsa_statement_site_created", ["site_id", "created_at"], unique=False)
        batch_op.create_index("ix_dsa_statement_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "dsa_appeal",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("statement_id", sa.GUID(length=16), nullable=False),
        sa.Column("appellant_id", sa.GUID(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("decision_explanation", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.GUID(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appellant_id"], ["user_account.id"], name=op.f("fk_dsa_appeal_appellant_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_dsa_appeal_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dsa_appeal_site_id_site")),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["dsa_statement.id"], name=op.f("fk_dsa_appeal_statement_id_dsa_statement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_appeal")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_dsa_appeal_statement_id")),
    )
    with op.batch_alter_table("dsa_appeal", schema=None) as batch_op:
        batch_op.create_index("ix_dsa_appeal_site_status_created", ["site_id", "status", "created_at"], unique=False)

    op.create_table(
        "dsa_message",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("to_user_id", sa.GUID(length=16), nullable=True),
        sa.Column("to_email", sa.String(length=320), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("notice_id", sa.GUID(length=16), nullable=True),
        sa.Column("statement_id", sa.GUID(length=16), nullable=True),
        sa.Column("appeal_id", sa.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["dsa_appeal.id"], name=op.f("fk_dsa_message_appeal_id_dsa_appeal")),
        sa.ForeignKeyConstraint(["notice_id"], ["dsa_notice.id"], name=op.f("fk_dsa_message_notice_id_dsa_notice")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dsa_message_site_id_site")),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["dsa_statement.id"], name=op.f("fk_dsa_message_statement_id_dsa_statement")
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["user_account.id"], name=op.f("fk_dsa_message_to_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsa_message")),
    )
    with op.batch_alter_table("dsa_message", schema=None) as batch_op:
        batch_op.create_index("ix_dsa_message_site_created", ["site_id", "created_at"], unique=False)

    # A statement of reasons is what its recipient was told: the database refuses to change or remove one.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION dsa_statement_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'dsa_statement is immutable'; END $$"
        )
        op.execute(
            "CREATE TRIGGER dsa_statement_immutable BEFORE UPDATE OR DELETE ON dsa_statement "
            "FOR EACH ROW EXECUTE FUNCTION dsa_statement_immutable()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER dsa_statement_no_{event.lower()} BEFORE {event} ON dsa_statement "
                "BEGIN SELECT RAISE(ABORT, 'dsa_statement is immutable'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS dsa_statement_immutable ON dsa_statement")
        op.execute("DROP FUNCTION IF EXISTS dsa_statement_immutable()")
    else:
        op.execute("DROP TRIGGER IF EXISTS dsa_statement_no_update")
        op.execute("DROP TRIGGER IF EXISTS dsa_statement_no_delete")
    with op.batch_alter_table("dsa_message", schema=None) as batch_op:
        batch_op.drop_index("ix_dsa_message_site_created")

    op.drop_table("dsa_message")
    with op.batch_alter_table("dsa_appeal", schema=None) as batch_op:
        batch_op.drop_index("ix_dsa_appeal_site_status_created")

    op.drop_table("dsa_appeal")
    with op.batch_alter_table("dsa_statement", schema=None) as batch_op:
        batch_op.drop_index("ix_dsa_statement_user_created")
        batch_op.drop_index("ix_dsa_statement_site_created")
        batch_op.drop_index("ix_dsa_statement_comment")

    op.drop_table("dsa_statement")
    with op.batch_alter_table("dsa_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_dsa_notice_site_status_created")
        batch_op.drop_index("ix_dsa_notice_comment")
        batch_op.drop_index("ix_dsa_notice_address_created")

    op.drop_table("dsa_notice")
    with op.batch_alter_table("dsa_notifier_suspension", schema=None) as batch_op:
        batch_op.drop_index("ix_dsa_notifier_suspension_site_email")
        batch_op.drop_index("ix_dsa_notifier_suspension_site_address")

    op.drop_table("dsa_notifier_suspension")
