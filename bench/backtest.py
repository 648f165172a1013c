"""Time the whole backtest of the rules API: read N stored comments of a site from the database (with
each author's approved count at the time, by a window function) and replay a heated-story rule set.

    .venv/bin/python bench/backtest.py [--comments 100000] [--repeats 3] [--postgres URL]

Seeds a fresh SQLite file (and, with --postgres, that database's schema is dropped and rebuilt) with N
comments by 2,000 authors, then calls RulesService.backtest as the API does. Prints medians.
Target (issue 4): 100,000 comments in under 10 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backtest_pure import RULES, _body  # the same synthetic bodies and rule set as the pure bench
from sqlalchemy import insert, select, text

from comments.cli import upgrade_schema
from comments.config import Settings
from comments.db import Article, Comment, Site, User
from comments.db.engine import sqlalchemy_config
from comments.domain.rules_admin import payloads as p
from comments.domain.rules_admin.services import RulesService
from comments.domain.sites.services import SiteService

AUTHORS = 2_000


async def seed(settings: Settings, n: int) -> None:
    rng = random.Random(7)
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        site, _ = await SiteService(session=session).create_site("bench", "Bench", [])
        article = Article(site_id=site.id, external_id="a1", title="Bench")
        session.add(article)
        await session.flush()
        start = datetime.now(UTC) - timedelta(days=30)
        users = [
            {
                "id": uuid.uuid4(),
                "email": f"u{i}@bench.example",
                "password_hash": "x",
                "is_superadmin": False,
                "created_at": start - timedelta(days=rng.randint(0, 400)),
                "updated_at": start,
            }
            for i in range(AUTHORS)
        ]
        await session.execute(insert(User), users)
        statuses = ("published",) * 8 + ("held", "rejected")
        rows = []
        for i in range(n):
            status = rng.choice(statuses)
            created = start + timedelta(seconds=i * 25)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "site_id": site.id,
                    "article_id": article.id,
                    "author_id": users[rng.randrange(AUTHORS)]["id"],
                    "depth": rng.choice((0, 0, 1, 2)),
                    "body": _body(rng),
                    "status": status,
                    "auto_status": status,
                    "flagged": False,
                    "reasons": [],
                    "scores": {
                        "toxicity": round(rng.betavariate(0.5, 6), 4),
                        "insult": round(rng.betavariate(0.4, 8), 4),
                    },
                    "model": "bench",
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(rows) == 5_000:
                await session.execute(insert(Comment), rows)
                rows = []
        if rows:
            await session.execute(insert(Comment), rows)
        await session.commit()
    await config.get_engine().dispose()


async def time_backtest(settings: Settings, n: int, repeats: int) -> list[float]:
    config = sqlalchemy_config(settings)
    timings = []
    for _ in range(repeats):
        async with config.get_session() as session:
            site = await session.scalar(select(Site).where(Site.slug == "bench"))
            started = time.perf_counter()
            result = await RulesService(session, scorer=None).backtest(site, p.Backtest(rules=RULES, limit=n))
            timings.append(time.perf_counter() - started)
            assert result.replayed == n, result.replayed
    await config.get_engine().dispose()
    return timings


async def reset_postgres(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL to bench as well (its schema is dropped!)")
    args = parser.parse_args()
    backends = [("sqlite", Settings(home=Path(tempfile.mkdtemp(prefix="bench-")), create_demo=False))]
    if args.postgres:
        asyncio.run(reset_postgres(args.postgres))
        backends.append(("postgresql", Settings(database_url=args.postgres, create_demo=False)))
    print(f"backtest of {args.comments:,} stored comments (median of {args.repeats})")
    print(f"{'database':<12}{'seed s':>10}{'median s':>10}{'min s':>10}{'per comment µs':>16}")
    for name, settings in backends:
        upgrade_schema(settings)
        started = time.perf_counter()
        asyncio.run(seed(settings, args.comments))
        seeded = time.perf_counter() - started
        timings = asyncio.run(time_backtest(settings, args.comments, args.repeats))
        median = statistics.median(timings)
        print(f"{name:<12}{seeded:>10.1f}{median:>10.2f}{min(timings):>10.2f}{median / args.comments * 1e6:>16.1f}")


if __name__ == "__main__":
    main()
