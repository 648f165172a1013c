"""The probe's fault scenarios (issue 13) as tests that stop by themselves: impatient clients resending
with the same Idempotency-Key, PostgreSQL connections terminated under load, `kill -9` under load."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.probe_support import URL, Tally, load, prepare, server_env, server_errors_logged, serving_quietly, stored
from tests.servers import COMMENTS, free_port, wait_until_up

pytestmark = pytest.mark.slow

READERS = 20


async def test_impatient_clients_resending_get_the_first_answer(settings):
    """Row 2: every first attempt gives up after 50 ms and is sent again at once with the same key."""
    env = server_env(settings)
    with serving_quietly(env, "--upgrade") as base:
        readers = await prepare(base, env, READERS)
        tally = Tally()
        await load(base, readers, per_reader=15, tally=tally, first_timeout=0.05)
    comments, records, _ = await stored(settings)
    keys = READERS * 15
    print(f"\n{keys} keys, {tally.timeouts} client timeouts, answers {dict(tally.statuses)}, {comments} comments")
    assert tally.server_errors == 0, dict(tally.statuses)
    assert not tally.unanswered
    assert tally.timeouts > 0  # the scenario happened: clients did give up and resend
    assert comments == records == keys  # one comment per key
    assert all(len(set(ids)) == 1 for ids in tally.answers.values())  # every resend got the first answer


@pytest.fixture
def postgres_only(settings):
    if settings.is_sqlite:
        pytest.skip("terminating backends is a PostgreSQL scenario")
    return settings


async def _terminate_backends(url: str, times: int, every: float) -> int:
    engine = create_async_engine(url)
    killed = 0
    try:
        for _ in range(times):
            await asyncio.sleep(every)
            async with engine.connect() as conn:
                result = await conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                killed += result.scalar_one()
    finally:
        await engine.dispose()
    return killed


async def test_terminated_database_connections_cost_no_client_a_5xx(postgres_only):
    """Row 3: every pooled connection is terminated three times while 20 clients post."""
    settings = postgres_only
    env = server_env(settings)
    with serving_quietly(env, "--upgrade") as base:
        readers = await prepare(base, env, READERS)
        tally = Tally()
        posting = asyncio.create_task(load(base, readers, per_reader=40, tally=tally, attempts=1))
        killed = await _terminate_backends(settings.resolved_database_url, times=3, every=1.5)
        await posting
    comments, _, _ = await stored(settings)
    print(f"\n{READERS * 40} posts, {killed} backends terminated, answers {dict(tally.statuses)}, {comments} comments")
    assert killed >= 3
    assert tally.server_errors == 0, (dict(tally.statuses), server_errors_logged(env))
    assert tally.transport_errors == 0
    assert comments == READERS * 40


async def test_kill_9_under_load_loses_nothing_acknowledged(settings):
    """kill -9 of the server while 20 clients post; after a restart every 201 is there, and resending the
    unanswered keys stores each comment once."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **server_env(settings)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [COMMENTS, "serve", "--port", str(port), "--upgrade"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(base, process)
        return process

    process = await asyncio.to_thread(start)
    try:
        readers = await prepare(base, env, READERS)
        tally = Tally()
        posting = asyncio.create_task(load(base, readers, per_reader=20, tally=tally, attempts=1))
        for _ in range(600):  # kill once a good part is acknowledged, with posts still in flight
            if len(tally.acknowledged) >= READERS * 5 or posting.done():
                break
            await asyncio.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        await posting
        acknowledged_before = set(tally.acknowledged)
        process = await asyncio.to_thread(start)
        comments, records, ids = await stored(settings)
        assert len(acknowledged_before) >= READERS * 5  # the kill came under load, after many answers
        assert len(tally.unanswered) > 0  # and before the end
        assert acknowledged_before <= ids, "a comment acknowledged with 201 was lost"
        assert comments == records  # no comment without its key's record, none twice
        # Resend what got no answer, with the same keys: each is stored once, and those stored before the
        # kill are answered from their record.
        resent = Tally()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for key, (headers, body) in tally.unanswered.items():
                resent.record(key, await client.post(URL, json={"body": body}, headers=headers))
        after, records_after, _ = await stored(settings)
        print(
            f"\n{len(acknowledged_before)} acknowledged before kill -9, {comments} stored then;"
            f" {len(tally.unanswered)} resent: {dict(resent.statuses)}; {after} comments in the end"
        )
        assert resent.statuses == {201: len(tally.unanswered)}
        assert after == records_after == READERS * 20
    finally:
        process.kill()
        process.wait()


def _spoofed_logins(base: str) -> list[int]:
    statuses = []
    for i in range(25):
        r = httpx.post(
            base + "/api/v1/auth/login",
            json={"email": f"spray{i}@example.com", "password": "guess guess"},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            timeout=30,
        )
        statuses.append(r.status_code)
    return statuses


async def test_a_spoofed_forwarded_for_does_not_escape_the_address_throttle(settings):
    """Row 5 through a real `comments serve` (uvicorn), from 127.0.0.1, with no trusted proxy configured:
    a new X-Forwarded-For on every attempt must not make each one a new address."""
    env = server_env(settings)

    def scenario() -> list[int]:
        with serving_quietly(env, "--upgrade") as base:
            return _spoofed_logins(base)

    statuses = await asyncio.to_thread(scenario)
    print(f"\n25 failed logins with spoofed X-Forwarded-For: {statuses}")
    assert statuses[:20] == [401] * 20
    assert 429 in statuses[20:]
