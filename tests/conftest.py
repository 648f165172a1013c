"""Shared fixtures: every integration test runs against SQLite and PostgreSQL, on a schema built by
`alembic upgrade head` (never create_all, which would hide drift)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from comments.app import create_app
from comments.cli import upgrade_schema
from comments.config import Settings
from comments.db import metadata
from tests.support import Api, FakeScorer

POSTGRES_URL = os.environ.get("COMMENTS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("COMMENTS_TEST_REQUIRE_POSTGRES") == "1"

# Cheap argon2 in tests (the real parameters are checked in test_passwords.py).
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}


def _postgres_reachable() -> str | None:
    async def probe() -> None:
        engine = create_async_engine(POSTGRES_URL)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure: report it, then skip or fail below
        return f"{type(exc).__name__}: {exc}"
    return None


def _reset_postgres() -> None:
    async def drop() -> None:
        engine = create_async_engine(POSTGRES_URL)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(drop())


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def base_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for one database backend, its schema upgraded to head once per test session."""
    home = tmp_path_factory.mktemp(f"home-{request.param}")
    if request.param == "postgresql":
        problem = _postgres_reachable()
        if problem:
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required but unreachable: {problem}")
            pytest.skip(f"PostgreSQL unreachable ({problem})")
        _reset_postgres()
        settings = Settings(home=home, database_url=POSTGRES_URL, create_demo=False, **FAST_HASHING)
    else:
        settings = Settings(home=home, create_demo=False, **FAST_HASHING)
    upgrade_schema(settings)
    return settings


async def _empty_postgres(settings: Settings) -> None:
    engine = create_async_engine(settings.resolved_database_url)
    async with engine.begin() as conn:
        # TRUNCATE fires no row triggers, so it also empties the append-only audit log.
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    await engine.dispose()


@pytest.fixture
async def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    """Per-test settings on an empty, fully migrated database: a copy of the migrated SQLite file, or
    the PostgreSQL test database truncated."""
    if base_settings.is_sqlite:
        for file in base_settings.home.glob("comments.db*"):
            shutil.copy(file, tmp_path / file.name)
        return replace(base_settings, home=tmp_path)
    await _empty_postgres(base_settings)
    return base_settings


@pytest.fixture
def scorer() -> FakeScorer:
    return FakeScorer()


@pytest.fixture
def app(settings: Settings, scorer: FakeScorer) -> Litestar:
    return create_app(settings, toxicity=scorer)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def offline_client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client for requests refused before any query (no login, unknown routes, malformed headers):
    one run, not one per database. Its SQLite file has no schema, so a request that did query fails."""
    app = create_app(Settings(home=tmp_path, create_demo=False, **FAST_HASHING), toxicity=FakeScorer())
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def api(client: AsyncTestClient[Litestar], settings: Settings) -> Api:
    """The HTTP client plus a demo site and article, and helpers for common steps."""
    api = Api(client, settings)
    await api.create_demo()
    return api


@pytest.fixture
async def reader_token(api: Api) -> str:
    """A reader with complete personal details for the demo site."""
    return await api.reader("reader@example.com", "Reader One")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests are slow by nature (a real server and Chromium): `pytest -m "not slow"` skips them.
    test_pages_http.py is plain HTTP through the app and stays in the fast run."""
    for item in items:
        if "browser" in item.path.parts and item.path.name != "test_pages_http.py":
            item.add_marker(pytest.mark.slow)
