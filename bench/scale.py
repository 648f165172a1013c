"""Reads, a post, the moderation queue and a backtest on a small and on a large database.

    .venv/bin/python bench/scale.py [--comments 1000000] [--small 1000] [--postgres URL] [--seconds 5]
        [--no-sqlite] [--explain]

Builds each database by bulk insert (SQLite: executemany with journal and sync off, indexes and
triggers created after the load; PostgreSQL: COPY with triggers and foreign-key checks off for the load,
indexes after), then ANALYZE, with this shape at --comments N (the large one; the small one is the same
shape at --small):
- 1,000 articles on one site (10 at the small size); one hot article holds 5% of the comments (50,000 of
  1M), the rest spread evenly;
- N / 10 users with profiles (100,000 at 1M); 70% top-level comments, 30% replies (depth 1-2);
- statuses: 90% published, 5% held (in the moderation queue), 3% rejected, 2% removed.

Then, against `comments serve --workers 2` on that database (no model: posts are held as
classifier_unavailable, which exercises every gate and the insert without inference):
- thread read: the hot article's first page of 50, wrk -t2 -c32 (cache hits: the steady state);
- thread read, uncached: the same page with COMMENTS_READ_CACHE_ENTRIES=0 semantics, in process
  (median of 20 public-page statements) for page 1 and a page deep in the hot thread;
- counts for 50 articles: wrk, and uncached in process;
- a post: 30 sequential posts to the hot article by one reader (median latency);
- the moderation queue: 30 sequential first pages as a site admin (median latency);
- a backtest of min(100,000, N) comments (RulesService.backtest as the API runs it).
With --explain it prints the query plan of each hot statement on the large database.
Targets (issue 12): at 1M, the thread read within 1.5x of the small database's figures; a post and the
queue within 1.5x of their 1k figures. The machine's 2 cores are shared with the load generator (and
with whatever else runs on it): compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import Executable, create_engine, insert, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement
from uuid_utils.compat import uuid7

sys.path.insert(0, str(Path(__file__).resolve().parent))
from read_throughput import reset_postgres, stop, wait_http, wrk

from comments.cli import upgrade_schema
from comments.config import Settings
from comments.db import Article, Comment, Profile, RulesAcceptance, Site, User, metadata

REPO = Path(__file__).resolve().parents[1]
COMMENTS = str(Path(sys.executable).with_name("comments"))
SITE, HOT = "scale", "hot-story"
OPEN_RULES = {"rate_limits": {"per_minute": None, "per_hour": None, "per_day": None, "per_article_per_hour": None}}
BODY = (
    "The council's figures for the new tram line do not add up: the cost per kilometre is twice what "
    "the neighbouring city paid, and nobody has explained why. Comment number {i}."
)


def _migration() -> Any:
    path = next((REPO / "migrations" / "versions").glob("*_6c073b63007d_article_version.py"))
    spec = importlib.util.spec_from_file_location("article_version", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


# --- the data ---------------------------------------------------------------------------------------


class Shape:
    def __init__(self, comments: int) -> None:
        self.comments = comments
        self.articles = 1000 if comments >= 100_000 else 10
        self.users = max(100, comments // 10)
        self.hot = comments // 20


def comment_batches(shape: Shape, site_id: UUID, articles: list[UUID], users: list[UUID], size: int = 20_000):
    """Rows as dicts, an article at a time, in batches; created_at increases within each article."""
    rng = random.Random(12)
    per_article = [shape.hot] + [
        (shape.comments - shape.hot) // (len(articles) - 1)
        + (1 if i < (shape.comments - shape.hot) % (len(articles) - 1) else 0)
        for i in range(len(articles) - 1)
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = ["published"] * 90 + ["held"] * 5 + ["rejected"] * 3 + ["deleted"] * 2
    batch: list[dict[str, Any]] = []
    for article_id, count in zip(articles, per_article, strict=True):
        roots: list[UUID] = []
        depth_of: dict[UUID, tuple[int, UUID]] = {}
        for i in range(count):
            status = rng.choice(statuses)
            created = start + timedelta(seconds=i * 7 + rng.random())
            parent = root = None
            depth = 0
            if roots and rng.random() < 0.3:
                parent = rng.choice(roots[-200:])
                pdepth, proot = depth_of[parent]
                depth, root = pdepth + 1, proot
            cid = uuid7()
            if depth < 2:
                if depth == 0:
                    roots.append(cid)
                depth_of[cid] = (depth, root or cid)
                if depth == 1:
                    roots.append(cid)  # replies to replies too (depth 2)
            toxicity = round(rng.betavariate(0.5, 6), 4)
            reasons = (
                [{"code": "toxicity", "action": "hold", "message": "Held for review.", "detail": {"score": toxicity}}]
                if status in ("held", "rejected")
                else []
            )
            batch.append(
                {
                    "id": cid,
                    "site_id": site_id,
                    "article_id": article_id,
                    "author_id": users[rng.randrange(len(users))],
                    "parent_id": parent,
                    "root_id": root if depth else None,
                    "depth": depth,
                    "body": BODY.format(i=i),
                    "status": status,
                    "auto_status": "held" if status == "rejected" else ("published" if status == "deleted" else status),
                    "flagged": False,
                    "reasons": reasons,
                    "scores": {"toxicity": toxicity, "insult": round(rng.betavariate(0.4, 8), 4)},
                    "model": "bench",
                    "edited_at": None,
                    "deleted_at": created if status == "deleted" else None,
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def head_rows(shape: Shape) -> tuple[dict, list[dict], list[dict], list[dict], list[dict]]:
    site_id = uuid7()
    now = datetime(2025, 1, 1, tzinfo=UTC)
    site = {
        "id": site_id,
        "slug": SITE,
        "name": "Scale",
        "site_key_hash": "k" * 64,
        "rules": OPEN_RULES,
        "allowed_origins": [],
        "rules_version": 1,
        "auto_create_articles": True,
        "created_at": now,
        "updated_at": now,
    }
    articles = [
        {
            "id": uuid7(),
            "site_id": site_id,
            "external_id": HOT if i == 0 else f"story-{i}",
            "title": f"Story {i}",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(shape.articles)
    ]
    users = [
        {
            "id": uuid7(),
            "email": f"u{i}@scale.example",
            "password_hash": "!",
            "is_superadmin": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(shape.users)
    ]
    profiles = [
        {
            "id": uuid7(),
            "user_id": u["id"],
            "display_name": f"Reader {i}",
            "display_name_key": f"reader {i}",
            "full_name": "Scale Reader",
            "country": "GB",
            "birth_year": 1980,
            "created_at": now,
            "updated_at": now,
        }
        for i, u in enumerate(users)
    ]
    acceptances = [
        {"id": uuid7(), "user_id": u["id"], "site_id": site_id, "version": 1, "created_at": now, "updated_at": now}
        for u in users
    ]
    return site, articles, users, profiles, acceptances


def comment_indexes() -> list[Any]:
    return list(metadata.tables["comment"].indexes)


def build_sqlite(settings: Settings, shape: Shape) -> float:
    started = time.perf_counter()
    upgrade_schema(settings)
    engine = create_engine(f"sqlite:///{settings.home / 'comments.db'}")
    triggers = _migration().SQLITE_TRIGGERS
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=OFF")
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        for name in triggers:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        for index in comment_indexes():
            index.drop(conn)
        site, articles, users, profiles, acceptances = head_rows(shape)
        conn.execute(insert(Site), [site])
        conn.execute(insert(Article), articles)
        conn.execute(insert(User), users)
        conn.execute(insert(Profile), profiles)
        conn.execute(insert(RulesAcceptance), acceptances)
        for batch in comment_batches(shape, site["id"], [a["id"] for a in articles], [u["id"] for u in users]):
            conn.execute(insert(Comment), batch)
        for index in comment_indexes():
            index.create(conn)
        conn.exec_driver_sql(_migration().BACKFILL)
        for name, body in triggers.items():
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        conn.exec_driver_sql("ANALYZE")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    engine.dispose()
    return time.perf_counter() - started


COMMENT_COLUMNS = [c.name for c in metadata.tables["comment"].columns]


async def build_postgres(settings: Settings, shape: Shape) -> float:
    import json

    import asyncpg

    started = time.perf_counter()
    await asyncio.to_thread(reset_postgres, settings.database_url)
    await asyncio.to_thread(upgrade_schema, settings)
    dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")  # no triggers, no FK checks: a load
        for index in comment_indexes():
            await conn.execute(f"DROP INDEX {index.name}")
        site, articles, users, profiles, acceptances = head_rows(shape)

        async def copy(table: str, rows: list[dict[str, Any]]) -> None:
            columns = list(rows[0])
            records = [
                tuple(json.dumps(v) if isinstance(v, (dict, list)) else v for v in (r[c] for c in columns))
                for r in rows
            ]
            await conn.copy_records_to_table(table, records=records, columns=columns)

        await copy("site", [site])
        await copy("article", articles)
        await copy("user_account", users)
        await copy("profile", profiles)
        await copy("rules_acceptance", acceptances)
        for batch in comment_batches(shape, site["id"], [a["id"] for a in articles], [u["id"] for u in users]):
            await copy("comment", batch)
        await conn.execute("SET session_replication_role = origin")
        for index in comment_indexes():
            cols = ", ".join(c.name for c in index.columns)
            where = index.dialect_options["postgresql"].get("where")
            sql = f"CREATE INDEX {index.name} ON comment ({cols})"
            if where is not None:
                sql += f" WHERE {where.compile(compile_kwargs={'literal_binds': True})}"
            await conn.execute(sql)
        await conn.execute(_migration().BACKFILL)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


# --- measurements -----------------------------------------------------------------------------------


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


def _plain(compiler: Any, sql: str) -> str:
    compiler._result_columns = []  # the plan's rows are text, not the statement's typed columns
    compiler._ordered_columns = False
    return sql


@compiles(Explain, "sqlite")
def _explain_sqlite(element: Explain, compiler: Any, **kw: Any) -> str:
    return _plain(compiler, "EXPLAIN QUERY PLAN " + compiler.process(element.statement, **kw))


@compiles(Explain, "postgresql")
def _explain_pg(element: Explain, compiler: Any, **kw: Any) -> str:
    return _plain(compiler, "EXPLAIN " + compiler.process(element.statement, **kw))


async def in_process(settings: Settings, explain: bool, backtest_limit: int) -> dict[str, Any]:
    from backtest_pure import RULES  # type: ignore[import-not-found]

    from comments.db.engine import sqlalchemy_config
    from comments.domain.comments import listing
    from comments.domain.comments.listing import ThreadReader
    from comments.domain.rules_admin import payloads as p
    from comments.domain.rules_admin.services import RulesService
    from comments.domain.sites.readcache import ReadCache
    from comments.domain.sites.services import ARTICLE_REF, COUNT_REFS, SiteService

    config = sqlalchemy_config(settings)
    out: dict[str, Any] = {}
    async with config.get_session() as session:
        hot = await session.scalar(select(Article.id).where(Article.external_id == HOT))
        reader = ThreadReader(session)
        first = await reader.public_page(hot, cursor=None, limit=50, sort="newest")
        # A page deep in the hot thread: walk half of it by cursor, one statement per page of 100.
        roots = await session.scalar(
            select(text("count(*)")).select_from(Comment).where(Comment.article_id == hot, Comment.parent_id.is_(None))
        )
        deep_cursor = None
        page = await reader.public_page(hot, cursor=None, limit=100, sort="newest")
        steps = max(1, (roots or 0) // 200)
        for _ in range(steps):
            last = page.roots[min(99, len(page.roots) - 1)]
            from comments.pagination import encode_cursor

            cursor = encode_cursor(last.created_at, last.id)
            page = await reader.public_page(hot, cursor=cursor, limit=100, sort="newest")
            deep_cursor = cursor
        timings: dict[str, list[float]] = {"page 1": [], "deep page": [], "counts(50)": []}
        ids = [f"story-{i}" for i in range(1, 51)]
        for _ in range(20):
            t = time.perf_counter()
            await reader.public_page(hot, cursor=None, limit=50, sort="newest")
            timings["page 1"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await reader.public_page(hot, cursor=deep_cursor, limit=50, sort="newest")
            timings["deep page"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await SiteService(session=session, cache=ReadCache(0)).public_counts(SITE, ids)
            timings["counts(50)"].append(time.perf_counter() - t)
        out["uncached"] = {k: statistics.median(v) * 1000 for k, v in timings.items()}
        out["first_page_items"] = len(first.roots)
        site = await session.scalar(select(Site).where(Site.slug == SITE))
        t = time.perf_counter()
        result = await RulesService(session, scorer=None).backtest(site, p.Backtest(rules=RULES, limit=backtest_limit))
        out["backtest"] = (result.replayed, time.perf_counter() - t)
        if explain:
            root = first.roots[0].id
            plans = {
                "version lookup (ARTICLE_REF; the probe runs the same SQL)": (
                    ARTICLE_REF,
                    {"slug": SITE, "article": HOT},
                ),
                "public page 1 (PUBLIC_PAGE newest)": (
                    listing.PUBLIC_PAGE[(True, False)],
                    {"article_id": hot, "limit": 51},
                ),
                "public page after a cursor": (
                    listing.PUBLIC_PAGE[(True, True)],
                    {"article_id": hot, "limit": 51, **listing._cursor_params(deep_cursor)},
                ),
                "replies of a top-level comment (PUBLIC_REPLIES)": (
                    listing.PUBLIC_REPLIES[False],
                    {"root_id": root, "limit": 51},
                ),
                "a reader's own rows (OWN_ROWS)": (
                    listing.OWN_ROWS[(True, False)],
                    {
                        "article_id": hot,
                        "viewer_id": first.roots[0].author_id,
                        "limit": 51,
                        "root_ids": [r.id for r in first.roots],
                        "own_ids": [root],
                    },
                ),
                "counts for 50 articles (COUNT_REFS; the probe runs the same SQL)": (
                    COUNT_REFS,
                    {"slug": SITE, "articles": ids},
                ),
            }
            out["plans"] = {}
            for name, (statement, params) in plans.items():
                rows = (await session.execute(Explain(statement), params)).all()
                out["plans"][name] = "\n".join(str(r[-1]) if settings.is_sqlite else str(r[0]) for r in rows)
    await config.get_engine().dispose()
    return out


def serve_and_measure(settings: Settings, env: dict[str, str], seconds: float, port: int) -> dict[str, Any]:
    env = {
        **env,
        "COMMENTS_TOXICITY_ENABLED": "false",
        "COMMENTS_CREATE_DEMO": "false",
        "COMMENTS_ACCESS_LOG": "false",
        "HF_HUB_OFFLINE": "1",
        "COMMENTS_ARGON2_TIME_COST": "1",
        "COMMENTS_ARGON2_MEMORY_COST_KIB": "8192",
    }
    password = Path(tempfile.mkdtemp(prefix="scale-admin-")) / "password"
    password.write_text("scale admin password")
    subprocess.run(
        [COMMENTS, "user", "create-admin", "admin@scale.example", "--password-file", str(password)],
        env=env,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [COMMENTS, "serve", "--port", str(port), "--workers", "2", "--no-upgrade"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        wait_http(base + "/health", process)
        thread = f"{base}/api/v1/sites/{SITE}/articles/{HOT}/comments?limit=50"
        counts = f"{base}/api/v1/sites/{SITE}/counts?articles=" + ",".join(f"story-{i}" for i in range(1, 51))
        assert httpx.get(thread).status_code == 200
        wrk(thread, 2, 32)
        out["thread"] = wrk(thread, seconds, 32)
        out["counts"] = wrk(counts, seconds, 32)
        with httpx.Client(base_url=base, timeout=60) as client:
            admin = client.post(
                "/api/v1/auth/login", json={"email": "admin@scale.example", "password": "scale admin password"}
            )
            admin_auth = {"Authorization": f"Bearer {admin.json()['token']}"}
            token = client.post(
                "/api/v1/auth/register", json={"email": "poster@scale.example", "password": "scale poster pw"}
            ).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            profile = {
                "display_name": "Scale Poster",
                "full_name": "Scale Poster",
                "country": "GB",
                "birth_year": 1980,
                "accepted_rules_version": 1,
            }
            r = client.patch(f"/api/v1/me/profile?site={SITE}", json=profile, headers=auth)
            assert r.status_code == 200, r.text
            posts, queue = [], []
            for i in range(32):
                t = time.perf_counter()
                r = client.post(
                    f"/api/v1/sites/{SITE}/articles/{HOT}/comments",
                    json={"body": f"Scale post {i}: the figures."},
                    headers=auth,
                )
                posts.append(time.perf_counter() - t)
                assert r.status_code == 201, r.text
                t = time.perf_counter()
                r = client.get(f"/api/v1/sites/{SITE}/moderation/queue", headers=admin_auth)
                queue.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            out["post_ms"] = statistics.median(posts[2:]) * 1000
            out["queue_ms"] = statistics.median(queue[2:]) * 1000
    finally:
        stop(process)
    return out


def run_size(
    name: str, settings: Settings, shape: Shape, args: argparse.Namespace, port: int, explain: bool
) -> dict[str, Any]:
    if settings.is_sqlite:
        built = build_sqlite(settings, shape)
        env = {**os.environ, "COMMENTS_HOME": str(settings.home)}
    else:
        built = asyncio.run(build_postgres(settings, shape))
        env = {**os.environ, "COMMENTS_DATABASE_URL": settings.database_url}
    size = f"{shape.comments:,} comments, {shape.users:,} users, {shape.articles:,} articles"
    print(f"  {name}: built {size} in {built:.0f} s", flush=True)
    result = {"built_s": built}
    result.update(asyncio.run(in_process(settings, explain, min(100_000, shape.comments))))
    result.update(serve_and_measure(settings, env, args.seconds, port))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--postgres", help="also bench PostgreSQL in this database (its schema is dropped!)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the plans of the hot statements (large db)")
    parser.add_argument("--port", type=int, default=8870)
    args = parser.parse_args()
    backends: list[tuple[str, Any]] = []
    homes = []
    if not args.no_sqlite:
        backends.append(("SQLite", lambda: Settings(home=homes[-1], create_demo=False)))
    if args.postgres:
        backends.append(("PostgreSQL", lambda: Settings(database_url=args.postgres, create_demo=False)))
    summary = []
    for backend, make in backends:
        results = {}
        for label, n in (("small", args.small), ("large", args.comments)):
            homes.append(Path(tempfile.mkdtemp(prefix="bench-scale-")))
            results[label] = run_size(
                f"{backend} {label}", make(), Shape(n), args, args.port, args.explain and label == "large"
            )
            shutil.rmtree(homes[-1], ignore_errors=True)
        summary.append((backend, results))
    print(
        f"\nscale: {args.small:,} vs {args.comments:,} comments; wrk -t2 -c32 {args.seconds:.0f} s; 2 workers; "
        f"{os.cpu_count()} CPUs (shared)"
    )
    for backend, results in summary:
        small, large = results["small"], results["large"]
        print(f"\n{backend}{'':<30}{'small':>12}{'large':>12}{'ratio':>8}  target")
        rows = [
            ("thread read req/s (cached)", small["thread"]["rps"], large["thread"]["rps"], "large >= small/1.5"),
            ("thread read p99 ms (cached)", small["thread"]["p99"], large["thread"]["p99"], "<= 1.5x"),
            ("thread page 1 ms (uncached)", small["uncached"]["page 1"], large["uncached"]["page 1"], "<= 1.5x"),
            ("thread deep page ms (uncached)", small["uncached"]["deep page"], large["uncached"]["deep page"], ""),
            ("counts(50) req/s (cached)", small["counts"]["rps"], large["counts"]["rps"], ""),
            ("counts(50) ms (uncached)", small["uncached"]["counts(50)"], large["uncached"]["counts(50)"], ""),
            ("post ms (median, no model)", small["post_ms"], large["post_ms"], "<= 1.5x"),
            ("moderation queue ms", small["queue_ms"], large["queue_ms"], "<= 1.5x"),
            (
                f"backtest s ({small['backtest'][0]:,} / {large['backtest'][0]:,})",
                small["backtest"][1],
                large["backtest"][1],
                "",
            ),
        ]
        for name, a, b, target in rows:
            ratio = b / a if a else float("nan")
            print(f"  {name:<38}{a:>12.2f}{b:>12.2f}{ratio:>8.2f}  {target}")
        errors = (
            small["thread"]["errors"]
            + large["thread"]["errors"]
            + small["counts"]["errors"]
            + large["counts"]["errors"]
        )
        print(f"  wrk errors: {errors}; built in {small['built_s']:.0f} s and {large['built_s']:.0f} s")
        if "plans" in large:
            print(f"\n{backend} plans on the large database:")
            for name, plan in large["plans"].items():
                print(f"-- {name}\n{plan}\n")


if __name__ == "__main__":
    main()
