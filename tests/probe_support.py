"""The probe's load scenarios (issue 13), against real `comments serve` processes: readers that post with
Idempotency-Keys, give up early and send again, while the operator or the database misbehave."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from comments.config import Settings
from comments.db import Comment, IdempotencyRecord
from tests.servers import COMMENTS, serving
from tests.support import db_run

URL = "/api/v1/sites/demo/articles/putin-warning-tomahawk/comments"
OPEN_RULES = {"rate_limits": {"per_minute": None, "per_hour": None, "per_day": None, "per_article_per_hour": None}}
ADMIN, ADMIN_PASSWORD = "probe-admin@example.com", "probe admin password"


@contextmanager
def serving_quietly(env: dict[str, str], *args: str, port: int | None = None) -> Iterator[str]:
    """tests.servers.serving with the server's output in <home>/serve.log: under load its access log would
    fill an unread pipe and block the server's event loop (a stall of the harness, not of the service)."""
    with serving(env, *args, port=port, log=Path(env["COMMENTS_HOME"]) / "serve.log") as base_url:
        yield base_url


def server_errors_logged(env: dict[str, str]) -> list[str]:
    """The server's ERROR lines (each unhandled exception is logged once, with its request id)."""
    path = Path(env["COMMENTS_HOME"]) / "serve.log"
    return [line for line in path.read_text(errors="replace").splitlines() if " ERROR " in line or "Traceback" in line]


def server_env(settings: Settings) -> dict[str, str]:
    env = {
        "COMMENTS_HOME": str(settings.home),
        "COMMENTS_TOXICITY_ENABLED": "false",
        "COMMENTS_ARGON2_MEMORY_COST_KIB": "1024",
        "COMMENTS_ARGON2_TIME_COST": "1",
        "COMMENTS_ARGON2_PARALLELISM": "1",
    }
    if not settings.is_sqlite:
        env["COMMENTS_DATABASE_URL"] = settings.resolved_database_url
    return env


async def prepare(base: str, env: dict[str, str], readers: int) -> list[dict[str, str]]:
    """A superadmin lifts the demo site's rate limits (the scenarios are about faults, not limits); one
    reader with complete details per client."""
    password_file = Path(env["COMMENTS_HOME"]) / "probe-admin-password"
    password_file.write_text(ADMIN_PASSWORD)
    await asyncio.to_thread(
        subprocess.run,
        [COMMENTS, "user", "create-admin", ADMIN, "--password-file", str(password_file)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        login = await client.post("/api/v1/auth/login", json={"email": ADMIN, "password": ADMIN_PASSWORD})
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        rules = (await client.get("/api/v1/sites/demo/rules", headers=admin)).json()["rules"]
        rules.update(OPEN_RULES)
        assert (await client.put("/api/v1/sites/demo/rules", json=rules, headers=admin)).status_code == 200
        tokens = []
        for i in range(readers):
            r = await client.post(
                "/api/v1/auth/register", json={"email": f"p{i}@probe.example", "password": "probe password!"}
            )
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            profile = {
                "display_name": f"Probe {i}",
                "full_name": "Probe Reader",
                "country": "GB",
                "birth_year": 1980,
                "accepted_rules_version": 1,
            }
            done = await client.patch("/api/v1/me/profile?site=demo", json=profile, headers=auth)
            assert done.status_code == 200, done.text
            tokens.append(auth)
    return tokens


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    timeouts: int = 0
    transport_errors: int = 0
    answers: dict[str, list[str]] = field(default_factory=dict)
    """Idempotency-Key -> the comment ids of every 201 it got (all must be the same)."""
    acknowledged: set[str] = field(default_factory=set)
    unanswered: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    """Idempotency-Key -> (headers, body) of the posts that never got a 201."""

    def record(self, key: str, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code == 201:
            comment_id = response.json()["id"]
            self.answers.setdefault(key, []).append(comment_id)
            self.acknowledged.add(comment_id)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


async def post_until_answered(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    body: str,
    tally: Tally,
    *,
    first_timeout: float | None = None,
    attempts: int = 40,
) -> None:
    """Posts `body` with a fresh Idempotency-Key until a 201 (the first attempt may give up after
    `first_timeout` seconds, as an impatient client does); resends are immediate, as they are in the wild.
    A 409 idempotency-in-progress or a transport error means: send again a little later."""
    key = str(uuid.uuid4())
    headers = {**auth, "Idempotency-Key": key}
    for attempt in range(attempts):
        timeout = first_timeout if attempt == 0 and first_timeout else 30.0
        try:
            response = await client.post(URL, json={"body": body}, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            tally.timeouts += 1
            continue
        except httpx.TransportError:
            tally.transport_errors += 1
            await asyncio.sleep(0.2)
            continue
        tally.record(key, response)
        if response.status_code == 201:
            return
        if response.status_code == 409 and response.json().get("code") == "idempotency-in-progress":
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 1.0) / 10)
            continue
        if response.status_code >= 500:
            continue
        raise AssertionError(f"unexpected answer {response.status_code}: {response.text}")
    tally.unanswered[key] = (headers, body)


async def load(base: str, readers: list[dict[str, str]], per_reader: int, tally: Tally, **options: Any) -> None:
    async def one(i: int, auth: dict[str, str]) -> None:
        async with httpx.AsyncClient(base_url=base) as client:
            for n in range(per_reader):
                body = f"Probe comment {n} of reader {i}, {uuid.uuid4()}"
                await post_until_answered(client, auth, body, tally, **options)

    await asyncio.gather(*(one(i, auth) for i, auth in enumerate(readers)))


async def stored(settings: Settings) -> tuple[int, int, set[str]]:
    """(comments, idempotency records, comment ids) in the database."""

    async def work(session: Any) -> tuple[int, int, set[str]]:
        comments = await session.scalar(select(func.count()).select_from(Comment))
        records = await session.scalar(select(func.count()).select_from(IdempotencyRecord))
        ids = {str(i) for i in (await session.scalars(select(Comment.id))).all()}
        return comments, records, ids

    return await db_run(settings, work)
