"""comments:analyze throughput (the Perspective-compatible API) beside the raw model rate, in one run.

    .venv/bin/python bench/perspective_throughput.py [--seconds 15] [--clients 1,32]

1. Raw: the bundled model's `score()` on batches of 1 and 32 comment-like texts (median of repeats), as in
   bench/service_throughput.py.
2. Service: a real `comments serve` (SQLite unless --database-url, bundled model, default micro-batching),
   a key made with `comments perspective-key create bench --qps 100000`, then N keep-alive clients each
   sending Coral's exact AnalyzeComment body (`?key=` in the URL) as fast as answers come back, for a
   fixed time after a 2 s warm-up: requests/s (200s only), p50 and p99 latency.

Every request also checks and counts its key (one UPDATE ... RETURNING, committed) before the model runs.
The load generator shares the machine's cores with the server: the numbers are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from model_throughput import comment_like_texts
from service_throughput import (
    COMMENTS,
    FAST_HASH,
    KeepAliveClient,
    create_bench_admin,
    raw_throughput,
    server_snapshot,
    start_server,
)

ANALYZE = "/perspective/v1alpha1/comments:analyze"


def make_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [COMMENTS, "perspective-key", "create", "bench", "--qps", "100000"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[-1]


async def load(base: str, key: str, clients: int, texts: list[str], seconds: float, pid: int) -> dict[str, float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(10**9))
    path = f"{ANALYZE}?key={key}"

    async def client_loop(deadline: float, record: bool) -> None:
        client = KeepAliveClient(base, {})
        try:
            while time.perf_counter() < deadline:
                n = next(counter)
                body = {
                    "comment": {"text": f"{texts[n % len(texts)]} ({n})"},
                    "doNotStore": True,
                    "requestedAttributes": {"TOXICITY": {}},
                    "languages": ["en"],
                }
                started = time.perf_counter()
                status = await client.post_json(path, body)
                if record:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] = statuses.get(status, 0) + 1
        finally:
            await client.close()

    warm = time.perf_counter() + 2
    await asyncio.gather(*(client_loop(warm, False) for _ in range(clients)))
    before = await asyncio.to_thread(server_snapshot, base, pid)
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(started + seconds, True) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    after = await asyncio.to_thread(server_snapshot, base, pid)
    latencies.sort()
    scored = max(1, after["texts_scored"] - before["texts_scored"])
    return {
        "throughput": statuses.get(200, 0) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": sum(v for k, v in statuses.items() if k != 200),
        "statuses": dict(sorted(statuses.items())),
        "mean_batch": scored / max(1, after["batches"] - before["batches"]),
        "model_ms": (after["model_seconds"] - before["model_seconds"]) / scored * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", default="1,32")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database-url", help="serve from this (empty) PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    home = Path(tempfile.mkdtemp(prefix="bench-perspective-"))
    env = {**os.environ, "COMMENTS_HOME": str(home), "HF_HUB_OFFLINE": "1", "COMMENTS_CREATE_DEMO": "0", **FAST_HASH}
    if args.database_url:
        env["COMMENTS_DATABASE_URL"] = args.database_url
    subprocess.run([COMMENTS, "db", "upgrade"], env=env, check=True, capture_output=True)

    print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    rates, single = raw_throughput(home, [1, 32])
    print("raw model throughput (score() on one sorted batch, median of 7)")
    for size, rate in rates.items():
        print(f"  batch {size:>3}: {rate:8.1f} comments/s")
    print(f"  single-comment inference: {single * 1000:.1f} ms\n")

    key = make_key(env)
    create_bench_admin(env)  # server_snapshot reads /ready's model counters, shown to superadmins only
    process, startup = start_server(env, args.port)
    try:
        base = f"http://127.0.0.1:{args.port}"
        texts = comment_like_texts(5000, seed=2)
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"service: POST {ANALYZE} (Coral's body), {args.seconds:.0f} s per level ({database}, bundled model)")
        print(
            f"{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs raw@32':>11}"
            f"{'batch':>7}{'model ms':>10}"
        )
        for clients in client_counts:
            r = asyncio.run(load(base, key, clients, texts, args.seconds, process.pid))
            print(
                f"{clients:>8}{r['throughput']:>9.1f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}"
                f"{r['throughput'] / rates[32]:>10.0%}{r['mean_batch']:>7.1f}{r['model_ms']:>10.1f}"
                f"  {r['statuses']}"
            )
    finally:
        process.terminate()
        process.wait(timeout=20)
    print(f"\nstart-up to /ready: {startup:.2f} s; load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
