"""The version probe: the public read path's one statement on a cache hit, run on the driver directly.

A cached public page is valid while its article's version is the committed one (see
domain.sites.readcache), so every anonymous read asks the database for that version. Through an ORM
session the question costs a pool checkout (a pre-ping round trip on PostgreSQL), a transaction and its
commit, and on SQLite six hops to aiosqlite's thread; the answer is one indexed lookup. So the probe:
- SQLite: one read-only sqlite3 connection per process, queried on the event loop (a WAL reader never
  waits for writers; the lookup takes microseconds, less than one thread hop). A busy database answers
  None and the caller falls back to its session.
- PostgreSQL: a small asyncpg pool of its own (`COMMENTS_PROBE_POOL_SIZE` connections per process),
  one round trip per lookup, prepared once per connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy.engine import make_url

from comments.config import Settings

ARTICLE_SQL = (
    "SELECT s.id, a.id, a.version FROM site s LEFT JOIN article a ON a.site_id = s.id AND a.external_id = {0} "
    "WHERE s.slug = {1}"
)
ARTICLES_SQL = (
    "SELECT s.id, a.external_id, a.id, a.published_count FROM site s "
    "LEFT JOIN article a ON a.site_id = s.id AND a.external_id {0} WHERE s.slug = {1}"
)
ROOT_SQL = (
    "SELECT c.article_id, a.external_id, a.version FROM comment c JOIN article a ON a.id = c.article_id "
    "WHERE c.id = {0} AND c.parent_id IS NULL"
)

Row = tuple[Any, ...]


class VersionProbe:
    """`article`, `articles` and `reply_root` answer rows like the statements above, ids as UUIDs, or
    None when the probe cannot answer now (the caller then asks through its session). A driver's probe
    says how it runs a statement and writes its parameters."""

    article_sql: str
    root_sql: str

    async def _rows(self, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]] | None:
        """The statement's rows, or None when the driver cannot answer now."""
        raise NotImplementedError

    def _articles_query(self, slug: str, external_ids: Sequence[str]) -> tuple[str, Sequence[Any]]:
        raise NotImplementedError

    def _uuid_param(self, value: UUID) -> Any:
        return value

    async def article(self, slug: str, external_id: str) -> Row | bool | None:
        return _first(await self._rows(self.article_sql, (external_id, slug)), uuids=(0, 1))

    async def articles(self, slug: str, external_ids: Sequence[str]) -> list[Row] | None:
        rows = await self._rows(*self._articles_query(slug, external_ids))
        if rows is None:
            return None
        return [(_uuid(s), e, _uuid(a), n) for s, e, a, n in rows]

    async def reply_root(self, root_id: UUID) -> Row | bool | None:
        return _first(await self._rows(self.root_sql, (self._uuid_param(root_id),)), uuids=(0,))

    async def close(self) -> None:
        return None

    @staticmethod
    def for_settings(settings: Settings) -> VersionProbe | None:
        url = make_url(settings.resolved_database_url)
        if url.get_backend_name() == "sqlite" and url.database:
            return SqliteProbe(Path(url.database))
        if url.get_backend_name() == "postgresql" and settings.probe_pool_size > 0:
            return PostgresProbe(url.set(drivername="postgresql").render_as_string(hide_password=False), settings)
        return None


NOT_FOUND = False
"""What `article` and `reply_root` answer when there is no such row (None means: no answer now)."""


def _uuid(value: Any) -> UUID | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return UUID(bytes=value)
    return UUID(int=value.int) if type(value) is not UUID else value


def _first(rows: Sequence[Sequence[Any]] | None, *, uuids: tuple[int, ...]) -> Row | bool | None:
    """The first row, its columns `uuids` as UUIDs; NOT_FOUND when there is none."""
    if rows is None:
        return None
    if not rows:
        return NOT_FOUND
    return tuple(_uuid(value) if column in uuids else value for column, value in enumerate(rows[0]))


class SqliteProbe(VersionProbe):
    article_sql = ARTICLE_SQL.format("?", "?")
    root_sql = ROOT_SQL.format("?")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            # Autocommit mode: every lookup reads the latest committed snapshot; never a write.
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
            db.execute("PRAGMA query_only = ON")
            self._db = db
        return self._db

    async def _rows(self, sql: str, params: Sequence[Any]) -> list[Row] | None:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # busy or locked: let the session path answer
            return None

    def _articles_query(self, slug: str, external_ids: Sequence[str]) -> tuple[str, Sequence[Any]]:
        marks = "IN (" + ",".join("?" * len(external_ids)) + ")" if external_ids else "IS NULL AND 0"
        return ARTICLES_SQL.format(marks, "?"), (*external_ids, slug)

    def _uuid_param(self, value: UUID) -> Any:
        return value.bytes

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class PostgresProbe(VersionProbe):
    article_sql = ARTICLE_SQL.format("$1", "$2")
    root_sql = ROOT_SQL.format("$1")

    def __init__(self, dsn: str, settings: Settings) -> None:
        self.dsn = dsn
        self.size = settings.probe_pool_size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _rows(self, sql: str, params: Sequence[Any]) -> list[Any]:
        if self._pool is None:
            async with self._opening:  # the first requests of a process race to open it
                if self._pool is None:
                    import asyncpg

                    # asyncpg prepares each lookup once per connection (its statement cache).
                    self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.size)
        async with self._pool.acquire() as connection:
            return await connection.fetch(sql, *params)

    def _articles_query(self, slug: str, external_ids: Sequence[str]) -> tuple[str, Sequence[Any]]:
        return ARTICLES_SQL.format("= ANY($1::varchar[])", "$2"), (list(external_ids), slug)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
