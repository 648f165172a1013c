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
    None when the probe cannot answer now (the caller then asks through its session)."""

    async def article(self, slug: str, external_id: str) -> Row | bool | None:
        raise NotImplementedError

    async def articles(self, slug: str, external_ids: Sequence[str]) -> list[Row] | None:
        raise NotImplementedError

    async def reply_root(self, root_id: UUID) -> Row | bool | None:
        raise NotImplementedError

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


class SqliteProbe(VersionProbe):
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

    def _run(self, sql: str, params: Sequence[Any]) -> list[Row] | None:
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # busy or locked: let the session path answer
            return None

    async def article(self, slug: str, external_id: str) -> Row | bool | None:
        rows = self._run(ARTICLE_SQL.format("?", "?"), (external_id, slug))
        if rows is None:
            return None
        if not rows:
            return NOT_FOUND
        site_id, article_id, version = rows[0]
        return (_uuid(site_id), _uuid(article_id), version)

    async def articles(self, slug: str, external_ids: Sequence[str]) -> list[Row] | None:
        marks = "IN (" + ",".join("?" * len(external_ids)) + ")" if external_ids else "IS NULL AND 0"
        rows = self._run(ARTICLES_SQL.format(marks, "?"), (*external_ids, slug))
        if rows is None:
            return None
        return [(_uuid(s), e, _uuid(a), n) for s, e, a, n in rows]

    async def reply_root(self, root_id: UUID) -> Row | bool | None:
        rows = self._run(ROOT_SQL.format("?"), (root_id.bytes,))
        if rows is None:
            return None
        if not rows:
            return NOT_FOUND
        article_id, external_id, version = rows[0]
        return (_uuid(article_id), external_id, version)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class PostgresProbe(VersionProbe):
    def __init__(self, dsn: str, settings: Settings) -> None:
        self.dsn = dsn
        self.size = settings.probe_pool_size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _fetch(self, sql: str, *params: Any) -> list[Any]:
        if self._pool is None:
            async with self._opening:  # the first requests of a process race to open it
                if self._pool is None:
                    import asyncpg

                    # asyncpg prepares each lookup once per connection (its statement cache).
                    self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.size)
        async with self._pool.acquire() as connection:
            return await connection.fetch(sql, *params)

    async def article(self, slug: str, external_id: str) -> Row | bool | None:
        rows = await self._fetch(ARTICLE_SQL.format("$1", "$2"), external_id, slug)
        if not rows:
            return NOT_FOUND
        site_id, article_id, version = rows[0]
        return (_uuid(site_id), _uuid(article_id), version)

    async def articles(self, slug: str, external_ids: Sequence[str]) -> list[Row] | None:
        rows = await self._fetch(ARTICLES_SQL.format("= ANY($1::varchar[])", "$2"), list(external_ids), slug)
        return [(_uuid(s), e, _uuid(a), n) for s, e, a, n in rows]

    async def reply_root(self, root_id: UUID) -> Row | bool | None:
        rows = await self._fetch(ROOT_SQL.format("$1"), root_id)
        if not rows:
            return NOT_FOUND
        article_id, external_id, version = rows[0]
        return (_uuid(article_id), external_id, version)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
