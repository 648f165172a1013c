"""Alembic environment (async), from advanced-alchemy's template.

Run through `comments db upgrade` (advanced-alchemy hands over its engine) or plain `alembic` (the
engine is built from the COMMENTS_* settings).
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from alembic.autogenerate import rewriter
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import comments.db  # noqa: F401  - registers every table on the metadata
from comments.config import Settings
from comments.db.base import metadata
from comments.db.schema_compare import compare_type

config = context.config
writer = rewriter.Rewriter()
if config.config_file_name and not hasattr(config, "engine"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _options() -> dict:
    return {
        "target_metadata": metadata,
        "compare_type": compare_type,
        "render_as_batch": True,
        "version_table": "alembic_version",
        "user_module_prefix": "sa.",
        "process_revision_directives": writer,
    }


def _url() -> str:
    return getattr(config, "db_url", None) or Settings.from_env().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"}, **_options())
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection) -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine: AsyncEngine | None = getattr(config, "engine", None)
    own_engine = engine is None
    if own_engine:
        engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    if own_engine:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
