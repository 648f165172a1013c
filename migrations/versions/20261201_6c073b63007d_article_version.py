"""article.version and article.published_count, kept by the database; indexes for the read path

Every insert, update or delete of a comment bumps its article's version and keeps its published count
exact, and a display name change bumps the version of every article its owner commented on, in the same
transaction (triggers: no code path can forget it). SQLite drops a table's triggers with the table: a
later batch migration that recreates `comment` or `profile` must create them again. Read caches key pages by (article, version), so one indexed lookup per request tells any
process on any host whether its cached page is still the committed one.

Revision ID: 6c073b63007d
Revises: 5b1d0e7c9a42
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6c073b63007d"
down_revision = "5b1d0e7c9a42"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "comment_bumps_article_on_insert": (
        "AFTER INSERT ON comment BEGIN "
        "UPDATE article SET version = version + 1, published_count = published_count + (NEW.status = 'published') "
        "WHERE id = NEW.article_id; END"
    ),
    "comment_bumps_article_on_update": (
        "AFTER UPDATE ON comment BEGIN "
        "UPDATE article SET version = version + 1, published_count = published_count - (OLD.status = 'published') "
        "WHERE id = OLD.article_id; "
        "UPDATE article SET version = version + 1, published_count = published_count + (NEW.status = 'published') "
        "WHERE id = NEW.article_id; END"
    ),
    "comment_bumps_article_on_delete": (
        "AFTER DELETE ON comment BEGIN "
        "UPDATE article SET version = version + 1, published_count = published_count - (OLD.status = 'published') "
        "WHERE id = OLD.article_id; END"
    ),
    "display_name_bumps_articles": (
        "AFTER UPDATE OF display_name ON profile WHEN OLD.display_name IS NOT NEW.display_name BEGIN "
        "UPDATE article SET version = version + 1 "
        "WHERE id IN (SELECT DISTINCT article_id FROM comment WHERE author_id = NEW.user_id); END"
    ),
}

POSTGRES_FUNCTIONS = [
    """CREATE FUNCTION comment_bumps_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE article SET version = version + 1,
            published_count = published_count - (OLD.status = 'published')::int
        WHERE id = OLD.article_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE article SET version = version + 1,
            published_count = published_count + (NEW.status = 'published')::int
        WHERE id = NEW.article_id;
        RETURN NEW;
    END IF;
    RETURN OLD;
END $$""",
    """CREATE FUNCTION display_name_bumps_articles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article SET version = version + 1
    WHERE id IN (SELECT DISTINCT article_id FROM comment WHERE author_id = NEW.user_id);
    RETURN NEW;
END $$""",
]

POSTGRES_TRIGGERS = [
    "CREATE TRIGGER comment_bumps_article AFTER INSERT OR UPDATE OR DELETE ON comment "
    "FOR EACH ROW EXECUTE FUNCTION comment_bumps_article()",
    "CREATE TRIGGER display_name_bumps_articles AFTER UPDATE OF display_name ON profile "
    "FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name) "
    "EXECUTE FUNCTION display_name_bumps_articles()",
]

BACKFILL = (
    "UPDATE article SET published_count = "
    "(SELECT count(*) FROM comment WHERE comment.article_id = article.id AND comment.status = 'published')"
)


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("published_count", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("comment", schema=None) as batch_op:
        # Thread pages order by (created_at, id): with id in the index the page is read in index order.
        batch_op.drop_index("ix_comment_article_parent_created")
        batch_op.create_index(
            "ix_comment_article_parent_created", ["article_id", "parent_id", "created_at", "id"], unique=False
        )
        batch_op.drop_index("ix_comment_root_created")
        batch_op.create_index("ix_comment_root_created", ["root_id", "created_at", "id"], unique=False)
        # Top-level comments in keyset order: PostgreSQL does not take `parent_id IS NULL` as an equality
        # for ordering, so with the index above alone it sorts every top-level comment of the thread.
        batch_op.create_index(
            "ix_comment_article_top_created",
            ["article_id", "created_at", "id"],
            unique=False,
            postgresql_where=sa.text("parent_id IS NULL"),
            sqlite_where=sa.text("parent_id IS NULL"),
        )
        batch_op.create_index("ix_comment_article_status", ["article_id", "status"], unique=False)
        # A logged-in reader's own rows in one thread (held and rejected ones merged into the page).
        batch_op.create_index(
            "ix_comment_author_article_created", ["author_id", "article_id", "created_at"], unique=False
        )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*POSTGRES_FUNCTIONS, *POSTGRES_TRIGGERS):
            op.execute(statement)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS comment_bumps_article ON comment")
        op.execute("DROP TRIGGER IF EXISTS display_name_bumps_articles ON profile")
        op.execute("DROP FUNCTION IF EXISTS comment_bumps_article()")
        op.execute("DROP FUNCTION IF EXISTS display_name_bumps_articles()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_author_article_created")
        batch_op.drop_index("ix_comment_article_status")
        batch_op.drop_index("ix_comment_article_top_created")
        batch_op.drop_index("ix_comment_root_created")
        batch_op.create_index("ix_comment_root_created", ["root_id", "created_at"], unique=False)
        batch_op.drop_index("ix_comment_article_parent_created")
        batch_op.create_index(
            "ix_comment_article_parent_created", ["article_id", "parent_id", "created_at"], unique=False
        )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("published_count")
        batch_op.drop_column("version")
