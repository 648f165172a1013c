"""Migrations are the only way the schema changes: after `alembic upgrade head` (run by the fixtures)
the models and the database agree exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from comments.db import metadata
from comments.db.schema_compare import compare_type


async def test_upgrade_head_leaves_no_drift(settings):
    engine = create_async_engine(settings.resolved_database_url)

    def diff(sync_conn):
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": compare_type, "target_metadata": metadata})
        return compare_metadata(ctx, metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    await engine.dispose()
    assert changes == []
