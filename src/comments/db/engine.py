"""The SQLAlchemy configuration for a Settings: one place for URLs, pools and SQLite's pragmas."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.pool import NullPool

import comments
from comments.config import Settings

MIGRATIONS = Path(comments.__file__).resolve().parents[2] / "migrations"


def request_session(connection: Any) -> Any:
    """The request's own session (advanced-alchemy's; its before-send handler commits or rolls it back and
    closes it). Middleware and guards use it, so a request opens one connection and one transaction."""
    state = connection.app.state
    return state.sqlalchemy_config.provide_session(state, connection.scope)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work during a write; busy_timeout makes concurrent writers wait instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlalchemy_config(settings: Settings, *, pooled: bool = True) -> SQLAlchemyAsyncConfig:
    """`pooled=False` for one-shot work (migrations, CLI commands): connections close when released, so
    nothing is left bound to an event loop that has ended."""
    url = settings.resolved_database_url
    if not pooled:
        engine = EngineConfig(echo=settings.database_echo, poolclass=NullPool)
    elif settings.is_sqlite:
        engine = EngineConfig(echo=settings.database_echo)
    else:
        engine = EngineConfig(
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            max_overflow=10,
            pool_pre_ping=True,
        )
    if settings.is_sqlite:
        settings.home.mkdir(parents=True, exist_ok=True)
    # advanced-alchemy makes each config's state keys unique by probing key_1, key_2, ... recursively:
    # fresh keys keep that O(1) when a process builds many configs (the test suite builds hundreds).
    unique = uuid.uuid4().hex
    config = SQLAlchemyAsyncConfig(
        connection_string=url,
        session_scope_key=f"_comments_db_session_{unique}",
        engine_app_state_key=f"comments_db_engine_{unique}",
        session_maker_app_state_key=f"comments_session_maker_{unique}",
        engine_config=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit",
        create_all=False,  # migrations are the only way the schema changes
        set_default_exception_handler=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS),
            version_table_name="alembic_version",
            compare_type=True,
            render_as_batch=True,
        ),
    )
    if settings.is_sqlite:
        event.listen(config.get_engine().sync_engine, "connect", _sqlite_pragmas)
    return config
