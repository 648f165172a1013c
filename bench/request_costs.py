"""What a request costs the server's event loop, from the bottom up: one SQL statement through each layer,
then whole routes of a running `comments serve` (SQLite, bundled model).

    .venv/bin/python bench/request_costs.py

1. One indexed SELECT, 500 times: through aiosqlite alone, SQLAlchemy `text()`, SQLAlchemy Core and the
   ORM (an entity). CPU per query of this process (the driver's thread included), median of 5 rounds.
2. Routes through HTTP (keep-alive, one client): `GET /health` (the framework's floor), `GET /api/v1/me`
   (token + 2 queries), a thread page (anonymous), and `POST comment` (6 statements and the model). CPU
   of the server's event-loop thread per request, read from /proc.

These explain the service bench (bench/service_throughput.py): on 2 cores every millisecond the event
loop spends is taken from the model.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from service_throughput import ARTICLE, FAST_HASH, KeepAliveClient, prepare, server_snapshot, start_server
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

QUERIES = 500
ROUNDS = 5


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "t"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str] = mapped_column(String)
    n: Mapped[int] = mapped_column(Integer, index=True)


def _database() -> Path:
    path = Path(tempfile.mkdtemp(prefix="bench-costs-")) / "t.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, email TEXT, n INTEGER)")
        db.execute("CREATE INDEX t_n ON t (n)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", [(str(uuid.uuid4()), f"e{i}", i) for i in range(1000)])
    return path


async def statement_costs(path: Path) -> dict[str, float]:
    import aiosqlite

    table = Table("t", MetaData(), Column("id", String), Column("email", String), Column("n", Integer))
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    results: dict[str, list[float]] = {}

    async def rounds(name: str, one) -> None:  # type: ignore[no-untyped-def]
        for i in range(20):
            await one(i)  # warm caches
        for _ in range(ROUNDS):
            started = time.process_time()
            for i in range(QUERIES):
                await one(i)
            results.setdefault(name, []).append((time.process_time() - started) / QUERIES * 1000)

    async with aiosqlite.connect(path) as connection:

        async def raw(i: int) -> None:
            cursor = await connection.execute("SELECT id, email FROM t WHERE n = ?", (i,))
            await cursor.fetchall()
            await cursor.close()

        await rounds("aiosqlite alone", raw)
    async with AsyncSession(engine) as session:
        await rounds(
            "SQLAlchemy text()",
            lambda i: session.execute(text("SELECT id, email FROM t WHERE n = :n"), {"n": i}),
        )
        await rounds("SQLAlchemy Core select()", lambda i: session.execute(select(table.c.id).where(table.c.n == i)))
        await rounds("SQLAlchemy ORM entity", lambda i: session.scalars(select(_Row).where(_Row.n == i)))
    await engine.dispose()
    return {name: statistics.median(values) for name, values in results.items()}


async def route_costs(base: str, pid: int, auth: dict[str, str], calls: int = 200) -> dict[str, tuple[float, float]]:
    anonymous, reader = KeepAliveClient(base, {}), KeepAliveClient(base, auth)
    counter = iter(range(10**9))
    routes = {
        "GET /health": lambda: anonymous.get("/health"),
        "GET /api/v1/me?site=demo (token)": lambda: reader.get("/api/v1/me?site=demo"),
        "GET thread page (anonymous)": lambda: anonymous.get(ARTICLE + "?limit=20"),
        "POST comment (token, model)": lambda: reader.post_json(ARTICLE, {"body": f"A civil remark, {next(counter)}."}),
    }
    costs = {}
    for name, call in routes.items():
        for _ in range(10):
            await call()
        before = await asyncio.to_thread(server_snapshot, base, pid)
        started = time.perf_counter()
        for _ in range(calls):
            status = await call()
            assert status < 300, (name, status)
        wall = (time.perf_counter() - started) / calls * 1000
        after = await asyncio.to_thread(server_snapshot, base, pid)
        costs[name] = (wall, (after["loop_cpu"] - before["loop_cpu"]) / calls * 1000)
    await anonymous.close()
    await reader.close()
    return costs


def main() -> None:
    print(f"one indexed SELECT, CPU per query (median of {ROUNDS} x {QUERIES})")
    for name, ms in asyncio.run(statement_costs(_database())).items():
        print(f"  {name:28}{ms:8.3f} ms")

    import os

    home = Path(tempfile.mkdtemp(prefix="bench-costs-home-"))
    env = {**os.environ, "COMMENTS_HOME": str(home), "HF_HUB_OFFLINE": "1", **FAST_HASH}
    process, _ = start_server(env, 8767)
    try:
        base = "http://127.0.0.1:8767"
        [auth] = asyncio.run(prepare(base, env, 1))
        costs = asyncio.run(route_costs(base, process.pid, auth))
    finally:
        process.terminate()
        process.wait(timeout=20)
    print("\nroutes through HTTP, one client (keep-alive), 200 calls each")
    print(f"  {'route':36}{'wall ms':>9}{'event-loop CPU ms':>19}")
    for name, (wall, cpu) in costs.items():
        print(f"  {name:36}{wall:9.2f}{cpu:19.2f}")


if __name__ == "__main__":
    main()
