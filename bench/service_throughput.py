"""Service throughput against raw model throughput, measured in one run on this machine.

    .venv/bin/python bench/service_throughput.py [--seconds 15] [--clients 1,8,32,64]

1. Raw: the bundled model's `score()` on batches of 1/8/32/64 comment-like texts (median of repeats).
2. Service: a real `comments serve` (SQLite, bundled model, default micro-batching settings) started from
   scratch (start-up time to /ready is reported), then N concurrent clients each posting comments as
   fast as answers come back, for a fixed time; sustained throughput is completed 201s per second.
3. The serving process's peak RSS (VmHWM).

Per level it also prints where the server's CPU went, per post: its event-loop thread (HTTP, routing,
SQL through SQLAlchemy and the driver, the rules) and its other threads (the model's torch threads, the
SQLite driver's thread), and the model's wall time per text and mean batch as the runner saw them
(`model_stats` of /ready). On 2 cores these show whether the model or the request path is the limit.

Targets (issue 3): under 32 clients the service reaches >= 85% of the raw batched throughput; a lone
post's median latency <= single-comment inference time + 15 ms. The load generator runs on the same
2 cores as the server and competes with it: the numbers are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from model_throughput import comment_like_texts  # the same synthetic texts as the raw model bench

REPO = Path(__file__).resolve().parents[1]
COMMENTS = str(Path(sys.executable).with_name("comments"))
ARTICLE = "/api/v1/sites/demo/articles/putin-warning-tomahawk/comments"
FAST_HASH = {"COMMENTS_ARGON2_TIME_COST": "1", "COMMENTS_ARGON2_MEMORY_COST_KIB": "8192"}
OPEN_RULES = {"rate_limits": {"per_minute": None, "per_hour": None, "per_day": None, "per_article_per_hour": None}}


def raw_throughput(home: Path, batch_sizes: list[int], repeats: int = 7) -> tuple[dict[int, float], float]:
    """comments/s per batch size, and the median single-comment inference time in seconds."""
    from comments.config import Settings
    from comments.domain.toxicity.detoxify_backend import load_classifier

    # The same model settings as the server (COMMENTS_TOXICITY_QUANTIZE, _THREADS, ...), so that the ratio
    # compares like with like.
    classifier = load_classifier(Settings.from_env(home=home))
    texts = comment_like_texts(max(batch_sizes) * (repeats + 1), seed=1)
    classifier.score(texts[:8])  # warm-up
    rates, single = {}, 0.0
    for size in batch_sizes:
        timings = []
        for r in range(repeats):
            batch = sorted(texts[r * size : (r + 1) * size], key=len)
            started = time.perf_counter()
            classifier.score(batch)
            timings.append(time.perf_counter() - started)
        rates[size] = size / statistics.median(timings)
        if size == 1:
            single = statistics.median(timings)
    return rates, single


def start_server(env: dict[str, str], port: int) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [COMMENTS, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError("comments serve exited")
        try:
            if httpx.get(base + "/ready", timeout=1).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def create_bench_admin(env: dict[str, str]) -> None:
    """The superadmin the bench logs in as: it opens rate limits and reads /ready's counters."""
    password_file = Path(env["COMMENTS_HOME"]) / "admin-password"
    password_file.write_text("bench admin password")
    subprocess.run(
        [COMMENTS, "user", "create-admin", "bench@example.com", "--password-file", str(password_file)],
        env=env,
        check=True,
        capture_output=True,
    )


async def prepare(base: str, env: dict[str, str], clients: int) -> list[dict[str, str]]:
    """A superadmin opens the demo site's rate limits (the bench measures throughput, not the limits);
    one reader with complete details per client."""
    await asyncio.to_thread(create_bench_admin, env)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"email": "bench@example.com", "password": "bench admin password"}
        )
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        rules = (await client.get("/api/v1/sites/demo/rules", headers=admin)).json()["rules"]
        rules.update(OPEN_RULES)
        assert (await client.put("/api/v1/sites/demo/rules", json=rules, headers=admin)).status_code == 200
        readers = []
        for i in range(clients):
            r = await client.post(
                "/api/v1/auth/register", json={"email": f"r{i}@bench.example", "password": "bench password!"}
            )
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            profile = {
                "display_name": f"Bench {i}",
                "full_name": "Bench Reader",
                "country": "GB",
                "birth_year": 1980,
                "accepted_rules_version": 1,
            }
            assert (await client.patch("/api/v1/me/profile?site=demo", json=profile, headers=auth)).status_code == 200
            readers.append(auth)
    return readers


class KeepAliveClient:
    """The load generator's HTTP/1.1 client: one keep-alive connection, requests written as bytes.

    The load runs on the same 2 cores as the server, so its own CPU cost is taken from the server: httpx
    spent more CPU per request than this (measured: ~4 ms per post alone, ~20 ms at 32 clients), a few
    lines of asyncio streams spend a fraction of a millisecond.
    """

    def __init__(self, base: str, auth: dict[str, str]) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {**auth, "Host": f"{self.host}:{self.port}"}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: object) -> int:
        body = json.dumps(payload).encode()
        head = f"POST {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        return await self._exchange(head.encode() + body)

    async def get(self, path: str) -> int:
        return await self._exchange(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode())

    async def _exchange(self, request: bytes) -> int:
        """Send one request and read the whole answer; returns its status."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding":
                raise RuntimeError("chunked answers are not expected from these routes")
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def server_snapshot(base: str, pid: int) -> dict[str, float]:
    """CPU seconds of the server's event-loop thread and of its other threads (model, torch, database
    driver), and the toxicity runner's counters from /ready."""
    tick = os.sysconf("SC_CLK_TCK")
    loop_cpu = other_cpu = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if int(tid) == pid:
            loop_cpu += cpu
        else:
            other_cpu += cpu
    login = httpx.post(
        base + "/api/v1/auth/login",
        json={"email": "bench@example.com", "password": "bench admin password"},
        timeout=30,
    )
    if login.status_code != 200:
        raise SystemExit(f"login as the bench superadmin failed: {login.status_code} {login.text}")
    admin = {"Authorization": f"Bearer {login.json()['token']}"}  # /ready shows its counters to superadmins
    stats = httpx.get(base + "/ready", headers=admin, timeout=10).json()["model_stats"]
    return {"loop_cpu": loop_cpu, "other_cpu": other_cpu, **stats}


async def load(
    base: str, readers: list[dict[str, str]], texts: list[str], seconds: float, pid: int
) -> dict[str, float]:
    """Each reader posts back-to-back for `seconds` (after a 2 s warm-up); counts answers and latencies,
    and what the server spent per post while measured."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(10**9))

    async def client_loop(auth: dict[str, str], deadline: float, record: bool) -> None:
        client = KeepAliveClient(base, auth)
        try:
            while time.perf_counter() < deadline:
                n = next(counter)
                body = f"{texts[n % len(texts)]} ({n})"
                started = time.perf_counter()
                status = await client.post_json(ARTICLE, {"body": body})
                if record:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] = statuses.get(status, 0) + 1
        finally:
            await client.close()

    warm = time.perf_counter() + 2
    await asyncio.gather(*(client_loop(a, warm, False) for a in readers))
    before = await asyncio.to_thread(server_snapshot, base, pid)
    started = time.perf_counter()
    await asyncio.gather(*(client_loop(a, started + seconds, True) for a in readers))
    elapsed = time.perf_counter() - started
    after = await asyncio.to_thread(server_snapshot, base, pid)
    ok = statuses.get(201, 0)
    answered = max(1, sum(statuses.values()))
    scored = max(1, after["texts_scored"] - before["texts_scored"])
    latencies.sort()
    return {
        "throughput": ok / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p90_ms": latencies[int(len(latencies) * 0.9)] * 1000,
        "errors": sum(v for k, v in statuses.items() if k != 201),
        "loop_cpu_ms": (after["loop_cpu"] - before["loop_cpu"]) / answered * 1000,
        "other_cpu_ms": (after["other_cpu"] - before["other_cpu"]) / answered * 1000,
        "model_ms": (after["model_seconds"] - before["model_seconds"]) / scored * 1000,
        "mean_batch": scored / max(1, after["batches"] - before["batches"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", default="1,8,32,64")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", help="serve from this (empty) PostgreSQL database instead of SQLite")
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    home = Path(tempfile.mkdtemp(prefix="bench-service-"))
    env = {**os.environ, "COMMENTS_HOME": str(home), "HF_HUB_OFFLINE": "1", **FAST_HASH}
    if args.database_url:
        env["COMMENTS_DATABASE_URL"] = args.database_url
        subprocess.run([COMMENTS, "db", "upgrade"], env=env, check=True, capture_output=True)

    rates, single = raw_throughput(home, [1, 8, 32, 64])
    print("raw model throughput (score() on one sorted batch, median of 7)")
    print(f"{'batch':>8}{'comments/s':>14}")
    for size, rate in rates.items():
        print(f"{size:>8}{rate:>14.1f}")
    print(f"single-comment inference: {single * 1000:.1f} ms\n")

    process, startup = start_server(env, args.port)
    try:
        base = f"http://127.0.0.1:{args.port}"
        readers = asyncio.run(prepare(base, env, max(client_counts)))
        texts = comment_like_texts(5000, seed=2)
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"service: POST comment, {args.seconds:.0f} s per level ({database}, bundled model)")
        print(
            f"{'clients':>8}{'posts/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'errors':>8}{'vs raw@32':>11}"
            f"{'loop CPU':>10}{'other CPU':>11}{'model ms':>10}{'batch':>7}"
        )
        print(f"{'':>57}{'ms/post':>10}{'ms/post':>11}{'per text':>10}{'mean':>7}")
        results = {}
        for clients in client_counts:
            result = asyncio.run(load(base, readers[:clients], texts, args.seconds, process.pid))
            results[clients] = result
            ratio = result["throughput"] / rates[32]
            print(
                f"{clients:>8}{result['throughput']:>10.1f}{result['p50_ms']:>9.1f}{result['p90_ms']:>9.1f}"
                f"{result['errors']:>8}{ratio:>10.0%}{result['loop_cpu_ms']:>10.1f}{result['other_cpu_ms']:>11.1f}"
                f"{result['model_ms']:>10.1f}{result['mean_batch']:>7.1f}"
            )
        rss = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)
    lone = results.get(1)
    print(f"\nstart-up to /ready: {startup:.2f} s; serving process peak RSS: {rss:.0f} MB")
    if lone:
        print(
            f"lone post median latency {lone['p50_ms']:.1f} ms vs single inference {single * 1000:.1f} ms "
            f"(+{lone['p50_ms'] - single * 1000:.1f} ms; target <= +15 ms)"
        )
    if 32 in results:
        print(f"32 clients: {results[32]['throughput'] / rates[32]:.0%} of raw batch-32 throughput (target >= 85%)")


if __name__ == "__main__":
    main()
