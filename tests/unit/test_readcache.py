import sqlite3

from comments.db.probe import NOT_FOUND, SqliteProbe
from comments.domain.sites.readcache import ReadCache


def test_the_read_cache_keeps_the_most_recently_used_entries():
    cache = ReadCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_a_zero_sized_cache_keeps_nothing():
    cache = ReadCache(0)
    assert cache.put("a", 1) == 1
    assert cache.get("a") is None


async def test_the_sqlite_probe_answers_none_when_the_database_is_locked(tmp_path):
    """A busy database must not block the event loop: the caller falls back to its session."""
    path = tmp_path / "db.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        "CREATE TABLE site (id BLOB, slug TEXT); CREATE TABLE article (id BLOB, site_id BLOB, external_id TEXT,"
        " version INT, published_count INT); INSERT INTO site VALUES (x'0123456789abcdef0123456789abcdef', 'demo');"
    )
    probe = SqliteProbe(path)
    assert await probe.article("nope", "a") is NOT_FOUND
    assert (await probe.article("demo", "a"))[1] is None  # the site exists, the article does not
    db.execute("BEGIN EXCLUSIVE")  # a rollback-journal database: an exclusive lock keeps readers out
    try:
        assert await probe.article("demo", "a") is None
    finally:
        db.execute("ROLLBACK")
        db.close()
        await probe.close()
