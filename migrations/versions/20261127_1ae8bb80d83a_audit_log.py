"""audit log

Revision ID: 1ae8bb80d83a
Revises: e6777393941e
Create Date: 2026-11-27 05:52:49.857488
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

revision = "1ae8bb80d83a"
down_revision = "e6777393941e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("site_id", sa.GUID(length=16), nullable=False),
        sa.Column("actor_id", sa.GUID(length=16), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_user_id", sa.GUID(length=16), nullable=True),
        sa.Column("comment_id", sa.GUID(length=16), nullable=True),
        sa.Column("article_id", sa.GUID(length=16), nullable=True),
        sa.Column(
            "before",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=Text()), "cockroachdb")
            .with_variant(sa.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=Text()), "cockroachdb")
            .with_variant(sa.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_audit_entry_actor_id_user_account")),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], name=op.f("fk_audit_entry_article_id_article")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_audit_entry_comment_id_comment")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_audit_entry_site_id_site")),
        sa.ForeignKeyConstraint(
            ["target_user_id"], ["user_account.id"], name=op.f("fk_audit_entry_target_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_comment", ["comment_id"], unique=False)
        batch_op.create_index("ix_audit_entry_site_action_created", ["site_id", "action", "created_at"], unique=False)
        batch_op.create_index("ix_audit_entry_site_created", ["site_id", "created_at"], unique=False)
        batch_op.create_index("ix_audit_entry_target_user", ["target_user_id"], unique=False)

    # The audit log is append-only: the database itself refuses to change or remove an entry.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_target_user")
        batch_op.drop_index("ix_audit_entry_site_created")
        batch_op.drop_index("ix_audit_entry_site_action_created")
        batch_op.drop_index("ix_audit_entry_comment")

    op.drop_table("audit_entry")
