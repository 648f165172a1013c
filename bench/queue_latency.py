"""Moderation queue latency with 10,000 held comments, through HTTP, on SQLite and PostgreSQL.

    .venv/bin/python bench/queue_latency.py [--held 10000] [--published 50000] [--repeats 30]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/comments_bench] [--no-postgres]

Each backend gets a fresh, migrated database (SQLite in a temporary directory; PostgreSQL in its own
database, created if missing and emptied first: never point it at a database you care about). It holds
one site with 20 articles, 500 authors, `--held` held comments (toxicity reasons and scores, some with
rule hits), `--published` published ones (1% flagged, 200 reported past the threshold). A moderator then
asks for queue pages through the app (AsyncTestClient: routing, auth, guard, service, JSON). Prints the
median and p90 of `--repeats` timed calls per case, after two warm-up calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from uuid_utils.compat import uuid7

from comments.app import create_app
from comments.cli import upgrade_schema
from comments.config import Settings
from comments.db import Article, Comment, Membership, Profile, Report, Role, Site, User
from comments.db.engine import sqlalchemy_config
from comments.domain.sites.services import SiteService

FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}
LABELS = ("toxicity", "insult", "obscene", "threat")
RULE_CODES = ("too_many_links", "suspect_word", "shouting", "new_account")
PAGE = 20
NO_LOGIN = "!"
"""The seeded authors' password hash: matches no password (they never log in)."""


def _held_row(rng: random.Random, site_id: UUID, article_id: UUID, author_id: UUID, at: datetime) -> dict[str, Any]:
    scores = {label: round(rng.random(), 4) for label in LABELS}
    scores["toxicity"] = round(rng.uniform(0.5, 1.0), 4)
    reasons = [
        {
            "code": "toxicity",
            "action": "hold",
            "message": "Our automatic check found that your comment may be toxic.",
            "detail": {"label": "toxicity", "score": scores["toxicity"], "threshold": 0.5},
        }
    ]
    if rng.random() < 0.3:
        reasons.append({"code": rng.choice(RULE_CODES), "action": "hold", "message": "A rule.", "detail": {}})
    return _row(site_id, article_id, author_id, at, "held", reasons=reasons, scores=scores)


def _row(site_id: UUID, article_id: UUID, author_id: UUID, at: datetime, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": UUID(str(uuid7())),
        "site_id": site_id,
        "article_id": article_id,
        "author_id": author_id,
        "depth": 0,
        "body": "A comment about the story, long enough to look like one, with an opinion or two. " * 3,
        "status": status,
        "auto_status": status,
        "flagged": extra.pop("flagged", False),
        "reasons": extra.pop("reasons", []),
        "scores": extra.pop("scores", {"toxicity": 0.02}),
        "model": "bench",
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


async def seed(settings: Settings, held: int, published: int) -> str:
    """Fills the database; returns the demo site's slug."""
    rng = random.Random(7)
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        site, _ = await SiteService(session=session).create_site("bench", "Bench", ["https://bench.example"])
        await session.flush()
        articles = [
            Article(site_id=site.id, external_id=f"story-{i}", title=f"Story {i}", url=f"https://bench.example/{i}")
            for i in range(20)
        ]
        session.add_all(articles)
        authors = [User(email=f"author{i}@bench.example", password_hash=NO_LOGIN) for i in range(500)]
        session.add_all(authors)
        await session.flush()
        session.add_all(Profile(user_id=a.id, display_name=f"Author {i}") for i, a in enumerate(authors))
        await session.commit()
        start = datetime.now(UTC) - timedelta(days=30)
        rows = []
        for i in range(held):
            at = start + timedelta(seconds=i * 2592000 / max(held, 1))
            rows.append(_held_row(rng, site.id, rng.choice(articles).id, rng.choice(authors).id, at))
        published_rows = []
        for i in range(published):
            at = start + timedelta(seconds=i * 2592000 / max(published, 1))
            flagged = rng.random() < 0.01
            published_rows.append(
                _row(
                    site.id,
                    rng.choice(articles).id,
                    rng.choice(authors).id,
                    at,
                    "published",
                    flagged=flagged,
                    reasons=[{"code": "shouting", "action": "flag", "message": "Caps.", "detail": {}}]
                    if flagged
                    else [],
                )
            )
        for chunk in range(0, len(rows + published_rows), 5000):
            await session.execute(insert(Comment), (rows + published_rows)[chunk : chunk + 5000])
        reports = []
        for row in published_rows[:200]:
            for reporter in rng.sample(authors, 3):
                reports.append(
                    {
                        "id": UUID(str(uuid7())),
                        "comment_id": row["id"],
                        "site_id": site.id,
                        "reporter_id": reporter.id,
                        "reason": "abusive",
                        "created_at": row["created_at"] + timedelta(hours=1),
                        "updated_at": row["created_at"] + timedelta(hours=1),
                    }
                )
        await session.execute(insert(Report), reports)
        await session.commit()
    await config.get_engine().dispose()
    return "bench"


async def moderator_token(client: AsyncTestClient[Any], settings: Settings) -> str:
    credentials = {"email": "mod@bench.example", "password": "bench password"}
    r = await client.post("/api/v1/auth/register", json=credentials)
    if r.status_code == 409:  # the second round on the same database
        r = await client.post("/api/v1/auth/login", json=credentials)
        r.raise_for_status()
        return r.json()["token"]
    r.raise_for_status()
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        user_id = await session.scalar(select(User.id).where(User.email == "mod@bench.example"))
        site_id = await session.scalar(select(Site.id).where(Site.slug == "bench"))
        session.add(Membership(user_id=user_id, site_id=site_id, role=Role.MODERATOR))
        await session.commit()
    await config.get_engine().dispose()
    return r.json()["token"]


async def time_cases(settings: Settings, repeats: int) -> list[tuple[str, float, float, int]]:
    app = create_app(settings, toxicity=None)
    results = []
    async with AsyncTestClient(app=app) as client:
        token = await moderator_token(client, settings)
        headers = {"Authorization": f"Bearer {token}"}
        base = "/api/v1/sites/bench/moderation"
        # A cursor from the middle of the queue (page 250 of 500): keyset pages cost the same anywhere.
        middle = None
        r = await client.get(f"{base}/queue", params={"limit": 100}, headers=headers)
        for _ in range(49):
            r = await client.get(
                f"{base}/queue", params={"limit": 100, "cursor": r.json()["next_cursor"]}, headers=headers
            )
        middle = r.json()["next_cursor"]
        cases = {
            "queue, oldest first, page 1": ("/queue", {}),
            "queue, oldest first, page 250": ("/queue", {"cursor": middle}),
            "queue, highest toxicity": ("/queue", {"sort": "toxicity"}),
            "queue, most reported": ("/queue", {"sort": "reports"}),
            "queue, reason filter": ("/queue", {"reason": "too_many_links"}),
            "queue, score range + article": ("/queue", {"min_score": 0.9, "article": "story-3"}),
            "queue counts (tabs)": ("/queue/counts", {}),
        }
        for name, (path, params) in cases.items():
            params = {"limit": PAGE, **params} if path == "/queue" else params
            for _ in range(2):
                (await client.get(base + path, params=params, headers=headers)).raise_for_status()
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await client.get(base + path, params=params, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            items = len(response.json().get("items", [])) if path == "/queue" else response.json()["total"]
            p90 = statistics.quantiles(timings, n=10)[-1]
            results.append((name, statistics.median(timings), p90, items))
    return results


async def reset_postgres(url: str) -> None:
    database = url.rsplit("/", 1)[1]
    admin = create_async_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database})
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
    await admin.dispose()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def analyze(settings: Settings) -> None:
    engine = create_async_engine(settings.resolved_database_url)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


def run_backend(
    name: str, settings: Settings, args: argparse.Namespace
) -> dict[str, list[tuple[str, float, float, int]]]:
    """Times the cases right after loading (PostgreSQL has no table statistics yet: the worst plans) and,
    on PostgreSQL, again after ANALYZE (what autovacuum does shortly after a load in production)."""
    upgrade_schema(settings)
    started = time.perf_counter()
    asyncio.run(seed(settings, args.held, args.published))
    print(f"{name}: seeded {args.held} held + {args.published} published in {time.perf_counter() - started:.1f}s")
    if settings.is_sqlite:
        return {name: asyncio.run(time_cases(settings, args.repeats))}
    fresh = asyncio.run(time_cases(settings, args.repeats))
    asyncio.run(analyze(settings))
    return {f"{name} (fresh)": fresh, f"{name} (analyzed)": asyncio.run(time_cases(settings, args.repeats))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held", type=int, default=10_000)
    parser.add_argument("--published", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "COMMENTS_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/comments_bench"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    table: dict[str, list[tuple[str, float, float, int]]] = {}
    with tempfile.TemporaryDirectory() as home:
        table |= run_backend(
            "SQLite", Settings(home=Path(home), create_demo=False, toxicity_enabled=False, **FAST_HASHING), args
        )
    if not args.no_postgres:
        try:
            asyncio.run(reset_postgres(args.postgres_url))
        except Exception as exc:  # no server: report SQLite alone
            print(f"PostgreSQL skipped ({type(exc).__name__}: {exc})")
        else:
            settings = Settings(
                home=Path(tempfile.gettempdir()),
                database_url=args.postgres_url,
                create_demo=False,
                toxicity_enabled=False,
                **FAST_HASHING,
            )
            table |= run_backend("PostgreSQL", settings, args)

    print(
        f"\nQueue latency through HTTP, {args.held:,} held + {args.published:,} published comments, "
        f"page of {PAGE}, median / p90 of {args.repeats} calls (ms)\n"
    )
    backends = list(table)
    widths = [max(len(b), 15) for b in backends]
    print(
        f"| {'case (median / p90 ms)':<32} | "
        + " | ".join(f"{b:>{w}}" for b, w in zip(backends, widths, strict=True))
        + " | items |"
    )
    print(f"|{'-' * 34}|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|------:|")
    for i, (case, *_rest) in enumerate(table[backends[0]]):
        cells = " | ".join(
            f"{f'{table[b][i][1]:.1f} / {table[b][i][2]:.1f}':>{w}}" for b, w in zip(backends, widths, strict=True)
        )
        print(f"| {case:<32} | {cells} | {table[backends[0]][i][3]:>5} |")


if __name__ == "__main__":
    main()
