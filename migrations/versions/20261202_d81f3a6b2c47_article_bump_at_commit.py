"""PostgreSQL: a comment's bump of its article (version, published count) runs at COMMIT, not at the insert

The trigger of 6c073b63007d updated the article row in the statement that inserted, changed or deleted the
comment, so the article's row lock was held from there to COMMIT: through the audit entry, the webhook
deliveries, the DSA statement, the idempotency record, and the server's event-loop turns between them.
Every post to one article waited for the one before it to commit. Under 20 clients posting to one thread a
post's transaction waited up to 1.4 s for the lock (a burst of terminated connections queued twenty retries
behind it), and posting throughput on one hot article was that of one transaction at a time.

A constraint trigger, DEFERRABLE INITIALLY DEFERRED, runs the same function at COMMIT: the row lock is held
for the commit alone. The counts stay exact (each deferred event carries its own OLD and NEW, and an UPDATE
waiting on a concurrent one re-reads the committed row). What changes: inside the transaction that changed
a comment, article.version and published_count are not yet bumped; nothing reads them there (read caches
see only committed rows). SQLite is unchanged: it has no deferred triggers, and its one writer at a time
holds the whole database anyway.

Revision ID: d81f3a6b2c47
Revises: c4e8a1f2b9d3
Create Date: 2026-12-02 01:30:00
"""

from alembic import op

revision = "d81f3a6b2c47"
down_revision = "c4e8a1f2b9d3"
branch_labels = None
depends_on = None

EVENTS = "AFTER INSERT OR UPDATE OR DELETE ON comment"
FUNCTION = "FOR EACH ROW EXECUTE FUNCTION comment_bumps_article()"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER comment_bumps_article ON comment")
    op.execute(f"CREATE CONSTRAINT TRIGGER comment_bumps_article {EVENTS} DEFERRABLE INITIALLY DEFERRED {FUNCTION}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER comment_bumps_article ON comment")
    op.execute(f"CREATE TRIGGER comment_bumps_article {EVENTS} {FUNCTION}")
