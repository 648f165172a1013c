"""Posting to one hot article on PostgreSQL: the article bump at COMMIT (migration d81f3a6b2c47) against
the bump at the statement (the trigger before it), side by side in one run.

    .venv/bin/python bench/post_contention.py [--postgres URL] [--clients 20] [--posts 25] [--rounds 2]

Every comment insert, update or delete bumps its article's row (version, published count). Bumped at the
statement, that row's lock is held to COMMIT, and every post to the article waits for the one before it
to commit. Per round and per mode: a fresh database at head (for "statement" then taken back by that
migration's own downgrade to the ordinary trigger), a real `comments serve` (no model: posts are held as
classifier_unavailable, which runs every gate, the insert, the audit entry, the DSA statement and the
idempotency record), N clients each posting M comments to the demo article as fast as answers come.
Prints posts/s and the median and 95th percentile latency per mode, medians over rounds, and the ratio.
Modes alternate within a round; the load generator shares the machine's cores with the server and
PostgreSQL: read the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from queue_latency import reset_postgres  # an empty database of that name, created if missing
from sqlalchemy import make_url

from comments.config import Settings

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.probe_support import URL, prepare, server_env, serving_quietly  # noqa: E402  (the probe's server, readers)
from tests.servers import COMMENTS  # noqa: E402

BEFORE_BUMP_AT_COMMIT = "c4e8a1f2b9d3"
"""The revision before d81f3a6b2c47: the same schema with the bump in the statement."""


async def post_load(base: str, readers: list[dict[str, str]], posts: int) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def one(i: int, auth: dict[str, str]) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            for n in range(posts):
                body = {"body": f"Comment {n} of reader {i} on the hot article, {uuid.uuid4()}"}
                started = time.perf_counter()
                response = await client.post(URL, json=body, headers={**auth, "Idempotency-Key": str(uuid.uuid4())})
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 201, response.text

    started = time.perf_counter()
    await asyncio.gather(*(one(i, auth) for i, auth in enumerate(readers)))
    return len(readers) * posts / (time.perf_counter() - started), latencies


async def run_mode(mode: str, admin_url: str, clients: int, posts: int) -> tuple[float, float, float]:
    url = make_url(admin_url).set(database=f"bench_contention_{mode}").render_as_string(hide_password=False)
    await reset_postgres(url)
    with tempfile.TemporaryDirectory() as home:
        env = server_env(Settings(home=Path(home), database_url=url))
        with serving_quietly(env, "--upgrade") as base:
            if mode == "statement":
                downgrade = [COMMENTS, "db", "downgrade", BEFORE_BUMP_AT_COMMIT]
                await asyncio.to_thread(
                    subprocess.run, downgrade, env={**os.environ, **env}, check=True, capture_output=True
                )
            readers = await prepare(base, env, clients)
            await post_load(base, readers[:2], 3)  # warm-up: first_comment_at is set, pools are open
            rate, latencies = await post_load(base, readers, posts)
    quantiles = statistics.quantiles(latencies, n=20)
    return rate, statistics.median(latencies) * 1000, quantiles[18] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--posts", type=int, default=25, help="per client")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, float]]] = {"commit": [], "statement": []}
    for round_ in range(args.rounds):
        order = ["statement", "commit"] if round_ % 2 else ["commit", "statement"]
        for mode in order:
            rate, median, p95 = await run_mode(mode, args.postgres, args.clients, args.posts)
            results[mode].append((rate, median, p95))
            print(f"round {round_ + 1} {mode:9s}: {rate:6.1f} posts/s, median {median:6.1f} ms, p95 {p95:6.1f} ms")
    summary = {mode: [statistics.median(x) for x in zip(*rows, strict=True)] for mode, rows in results.items()}
    print(f"\n{args.clients} clients x {args.posts} posts to one article, medians over {args.rounds} rounds:")
    for mode, (rate, median, p95) in summary.items():
        print(f"  bump at {mode:9s}: {rate:6.1f} posts/s, median {median:6.1f} ms, p95 {p95:6.1f} ms")
    ratio = summary["commit"][0] / summary["statement"][0]
    print(f"  throughput ratio commit/statement: {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
