"""The public thread read against a peer, in one run on this machine: Isso, a bare Litestar endpoint and
comments, each with 2 worker processes, loaded by the same client (wrk) one after the other.

    .venv/bin/python bench/read_throughput.py [--seconds 10] [--runs 3] [--connections 32]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/reads_bench] [--no-isso]

- Thread: one article with 300 comments (240 top-level, 60 replies), read 50 top-level comments a page
  (comments: `?limit=50&sort=oldest`; Isso: `?limit=50&nested_limit=20`; the bare endpoint returns the
  JSON comments answers, encoded per request).
- Counts: comments' GetCounts for 50 articles in one request.
- Isso 0.13 is pip-installed from PyPI into a throwaway venv (/tmp/bench-isso-venv) and served by
  gunicorn -w 2; comments by `comments serve --workers 2`; the bare endpoint by uvicorn --workers 2.
- wrk (Debian: apt-get install wrk) -t2 -c<connections> --latency; every server on 127.0.0.1 only.
  Each server is measured --runs times, round-robin, and the median run (by req/s) is reported.

Targets (issue 12): the anonymous thread read >= 20x Isso's req/s with p99 <= 50 ms at 32 connections,
no errors, on SQLite and on PostgreSQL; counts for 50 articles >= 10x Isso's thread read rate. The load
generator shares the 2 cores with the server (and, on a shared machine, with whatever else runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COMMENTS = str(Path(PYTHON).with_name("comments"))
ISSO_VENV = Path("/tmp/bench-isso-venv")
SITE, ARTICLE = "bench", "hot-story"
TOP_LEVEL, REPLIES = 240, 60


def comment_rows(n_top: int, n_replies: int, authors: list[Any], article_id: Any, site_id: Any) -> list[dict]:
    """Top-level comments a second apart, replies spread over the first roots (depth 1)."""
    from uuid_utils.compat import uuid7

    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows, roots = [], []
    for i in range(n_top):
        row = {
            "id": uuid7(),
            "site_id": site_id,
            "article_id": article_id,
            "author_id": authors[i % len(authors)],
            "parent_id": None,
            "root_id": None,
            "depth": 0,
            "body": f"Top-level comment {i}: the minister's answer does not add up, and here is why.",
            "status": "published",
            "auto_status": "published",
            "created_at": start + timedelta(seconds=i),
            "updated_at": start + timedelta(seconds=i),
        }
        rows.append(row)
        roots.append(row)
    for j in range(n_replies):
        root = roots[j % min(20, len(roots))]
        rows.append(
            {
                **root,
                "id": uuid7(),
                "author_id": authors[(j + 7) % len(authors)],
                "parent_id": root["id"],
                "root_id": root["id"],
                "depth": 1,
                "body": f"Reply {j}: I disagree with the first point.",
                "created_at": start + timedelta(seconds=n_top + j),
                "updated_at": start + timedelta(seconds=n_top + j),
            }
        )
    return rows


async def seed_comments(env: dict[str, str], count_articles: int = 50) -> None:
    """The bench site, the hot article with 300 comments and 50 articles with a few comments each."""
    from sqlalchemy import insert

    from comments.config import Settings
    from comments.db import Article, Comment, Profile, Site, User
    from comments.db.engine import sqlalchemy_config

    settings = Settings.from_env(env)
    config = sqlalchemy_config(settings, pooled=False)
    from uuid_utils.compat import uuid7

    async with config.get_session() as session:
        site_id = uuid7()
        await session.execute(insert(Site), [{"id": site_id, "slug": SITE, "name": "Bench", "site_key_hash": "x" * 64}])
        users = [{"id": uuid7(), "email": f"u{i}@bench.example", "password_hash": "!"} for i in range(60)]
        await session.execute(insert(User), users)
        await session.execute(
            insert(Profile),
            [{"id": uuid7(), "user_id": u["id"], "display_name": f"Reader {i}"} for i, u in enumerate(users)],
        )
        authors = [u["id"] for u in users]
        articles = [{"id": uuid7(), "site_id": site_id, "external_id": ARTICLE, "title": "Hot"}]
        articles += [
            {"id": uuid7(), "site_id": site_id, "external_id": f"story-{i}", "title": f"Story {i}"}
            for i in range(count_articles)
        ]
        await session.execute(insert(Article), articles)
        rows = comment_rows(TOP_LEVEL, REPLIES, authors, articles[0]["id"], site_id)
        for i, article in enumerate(articles[1:]):
            rows += comment_rows(1 + i % 7, i % 3, authors, article["id"], site_id)
        await session.execute(insert(Comment), rows)
        await session.commit()
    await config.get_engine().dispose()


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def start(cmd: list[str], env: dict[str, str], probe: str, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(probe, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Isso -----------------------------------------------------------------------------------------


def isso_venv() -> Path:
    isso = ISSO_VENV / "bin" / "isso"
    if not isso.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run(
            [str(ISSO_VENV / "bin" / "pip"), "install", "-q", "isso==0.13.*", "gunicorn"],
            check=True,
        )
    return ISSO_VENV


def start_isso(home: Path, port: int) -> subprocess.Popen[bytes]:
    venv = isso_venv()
    conf = home / "isso.cfg"
    conf.write_text(
        textwrap.dedent(
            f"""\
            [general]
            dbpath = {home / "isso.db"}
            host = http://127.0.0.1:{port}/
            [moderation]
            enabled = false
            [guard]
            enabled = false
            [server]
            listen = http://127.0.0.1:{port}/
            """
        )
    )
    env = {**os.environ, "ISSO_SETTINGS": str(conf)}
    cmd = [str(venv / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    cmd += ["isso.run"]
    return start(cmd, env, f"http://127.0.0.1:{port}/info", home / "isso.log")


def seed_isso(base: str) -> None:
    headers = {"Origin": base, "Referer": base + "/hot-story"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        roots = []
        for i in range(TOP_LEVEL):
            r = client.post(
                "/new?uri=%2Fhot-story",
                json={
                    "text": f"Top-level comment {i}: the minister's answer does not add up, and here is why.",
                    "author": f"Reader {i % 60}",
                    "title": "Hot",
                },
            )
            assert r.status_code == 201, r.text
            roots.append(r.json()["id"])
            client.cookies.clear()  # Isso hands out an edit cookie per comment
        for j in range(REPLIES):
            r = client.post(
                "/new?uri=%2Fhot-story",
                json={
                    "text": f"Reply {j}: I disagree with the first point.",
                    "author": f"Reader {(j + 7) % 60}",
                    "parent": roots[j % 20],
                },
            )
            assert r.status_code == 201, r.text


# --- the bare endpoint ------------------------------------------------------------------------------

BARE_APP = """
import json, pathlib
from litestar import Litestar, get

PAGE = json.loads(pathlib.Path(__file__).with_name("page.json").read_text())


@get("/api/v1/sites/{site:str}/articles/{article:str}/comments", sync_to_thread=False)
def thread(site: str, article: str) -> dict:
    return PAGE


app = Litestar([thread])
"""


def start_bare(home: Path, port: int, page: dict[str, Any]) -> subprocess.Popen[bytes]:
    app_dir = home / "bare"
    app_dir.mkdir()
    (app_dir / "bare_app.py").write_text(BARE_APP)
    (app_dir / "page.json").write_text(json.dumps(page))
    cmd = [PYTHON, "-m", "uvicorn", "bare_app:app", "--app-dir", str(app_dir), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", "2", "--log-level", "warning", "--no-access-log"]
    return start(cmd, dict(os.environ), f"http://127.0.0.1:{port}{thread_path()}", home / "bare.log")


# --- comments ---------------------------------------------------------------------------------------


def thread_path() -> str:
    return f"/api/v1/sites/{SITE}/articles/{ARTICLE}/comments?limit=50&sort=oldest"


def counts_path() -> str:
    return f"/api/v1/sites/{SITE}/counts?articles=" + ",".join(f"story-{i}" for i in range(50))


def comments_env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "COMMENTS_HOME": str(home),
        "COMMENTS_TOXICITY_ENABLED": "false",
        "COMMENTS_CREATE_DEMO": "false",
        "COMMENTS_ACCESS_LOG": "false",  # like the peers here (gunicorn and uvicorn without access logs)
        "HF_HUB_OFFLINE": "1",
    }
    if database_url:
        env["COMMENTS_DATABASE_URL"] = database_url
    return env


def reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def drop() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(drop())


def start_comments(home: Path, port: int, database_url: str | None) -> subprocess.Popen[bytes]:
    env = comments_env(home, database_url)
    if database_url:
        reset_postgres(database_url)
    subprocess.run([COMMENTS, "db", "upgrade"], env=env, check=True, capture_output=True)
    asyncio.run(seed_comments(env))
    cmd = [COMMENTS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-upgrade"]
    return start(cmd, env, f"http://127.0.0.1:{port}/health", home / "comments.log")


# --- load -------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: float, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(x) for x in sock.groups()) if sock else 0
    return {"rps": rate, "p50": lat.get("50", float("nan")), "p99": lat.get("99", float("nan")), "errors": errors}


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    ordered = sorted(runs, key=lambda r: r["rps"])
    middle = dict(ordered[len(ordered) // 2])
    middle["errors"] = sum(r["errors"] for r in runs)
    middle["spread"] = f"{ordered[0]['rps']:.0f}-{ordered[-1]['rps']:.0f}"
    return middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", help="also serve comments from this PostgreSQL database (it is emptied)")
    parser.add_argument("--no-isso", action="store_true", help="skip Isso (no PyPI access)")
    parser.add_argument("--port", type=int, default=8840)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    home = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    servers: dict[str, subprocess.Popen[bytes]] = {}
    targets: dict[str, str] = {}
    try:
        port = args.port
        sqlite_home = home / "sqlite"
        sqlite_home.mkdir()
        servers["comments SQLite"] = start_comments(sqlite_home, port, None)
        base = f"http://127.0.0.1:{port}"
        targets["comments SQLite"] = base + thread_path()
        targets["comments SQLite counts(50)"] = base + counts_path()
        page = httpx.get(base + thread_path()).json()
        assert len(page["items"]) == 50, page
        if args.postgres:
            port += 1
            pg_home = home / "pg"
            pg_home.mkdir()
            servers["comments PostgreSQL"] = start_comments(pg_home, port, args.postgres)
            targets["comments PostgreSQL"] = f"http://127.0.0.1:{port}" + thread_path()
            targets["comments PostgreSQL counts(50)"] = f"http://127.0.0.1:{port}" + counts_path()
        port += 1
        servers["bare Litestar"] = start_bare(home, port, page)
        targets["bare Litestar"] = f"http://127.0.0.1:{port}" + thread_path()
        if not args.no_isso:
            port += 1
            isso_home = home / "isso"
            isso_home.mkdir()
            servers["Isso 0.13"] = start_isso(isso_home, port)
            isso = f"http://127.0.0.1:{port}"
            seed_isso(isso)
            answer = httpx.get(isso + "/?uri=%2Fhot-story&limit=50&nested_limit=20").json()
            assert len(answer["replies"]) == 50, answer
            targets["Isso 0.13"] = isso + "/?uri=%2Fhot-story&limit=50&nested_limit=20"
        for url in targets.values():  # warm every worker's caches and connections
            wrk(url, 2, args.connections)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.runs):
            for name, url in targets.items():
                results[name].append(wrk(url, args.seconds, args.connections))
    finally:
        for process in servers.values():
            stop(process)
    medians = {name: median_run(runs) for name, runs in results.items()}
    print(
        f"thread read: 50 of 300 comments a page; wrk -t2 -c{args.connections}, {args.seconds:.0f} s x "
        f"{args.runs} runs each (median run by req/s); 2 workers per server; {os.cpu_count()} CPUs"
    )
    print(f"{'server':<32}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  range req/s")
    for name, m in medians.items():
        print(f"{name:<32}{m['rps']:>10.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}{m['errors']:>8}  {m['spread']}")
    isso_rate = medians.get("Isso 0.13", {}).get("rps")
    if isso_rate:
        print()
        for db in ("SQLite", "PostgreSQL"):
            thread = medians.get(f"comments {db}")
            counts = medians.get(f"comments {db} counts(50)")
            if not thread:
                continue
            hit = thread["rps"] >= 20 * isso_rate and thread["p99"] <= 50 and thread["errors"] == 0
            print(
                f"{db}: thread read {thread['rps'] / isso_rate:.1f}x Isso (target >= 20x), "
                f"p99 {thread['p99']:.1f} ms (target <= 50), errors {thread['errors']}: {'hit' if hit else 'MISSED'}"
            )
            if counts:
                ratio = counts["rps"] / isso_rate
                print(
                    f"{db}: counts for 50 articles {ratio:.1f}x Isso's thread read (target >= 10x): "
                    f"{'hit' if ratio >= 10 and counts['errors'] == 0 else 'MISSED'}"
                )
        bare = medians["bare Litestar"]["rps"]
        print(f"bare Litestar endpoint {bare / isso_rate:.1f}x Isso")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
