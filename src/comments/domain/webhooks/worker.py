"""The webhook worker: sends due deliveries, signs them, retries with backoff, records every attempt.

It runs in each API process (started in the app's lifespan). Several processes may share one database:
a delivery is leased (a conditional UPDATE) before it is sent, so only one process sends it at a time.
No transaction stays open while a publisher's server answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import or_, select, update

from comments.clock import utcnow
from comments.db import DeliveryStatus, Webhook, WebhookDelivery
from comments.domain.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from comments.domain.webhooks.targets import delivery_problem

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (10, 60, 300, 1800, 7200, 21600)
"""Wait after the 1st, 2nd, ... failed attempt; after the last the delivery is marked failed (7 tries
over about 8.5 hours)."""
LEASE = timedelta(seconds=60)
BATCH = 20
TIMEOUT_SECONDS = 10.0
USER_AGENT = "comments-webhooks/1"


@dataclass(frozen=True, slots=True)
class _Job:
    id: UUID
    url: str
    secret: str
    event: str
    body: str
    attempts: int


class WebhookWorker:
    def __init__(
        self,
        session_maker: Callable[[], Any],
        *,
        poll_seconds: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: tuple[int, ...] = BACKOFF_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        allow_private_targets: bool = False,
    ) -> None:
        """`session_maker()` gives an async context manager yielding an AsyncSession (the app's
        SQLAlchemy config's `get_session`). Tests pass a transport and a clock. Unless
        `allow_private_targets`, a delivery whose host resolves to a non-public address is not sent
        (webhooks/targets.py) and counts as a failed attempt."""
        self.session_maker = session_maker
        self.allow_private_targets = allow_private_targets
        self.poll_seconds = poll_seconds
        self.transport = transport
        self.backoff = backoff
        self.clock = clock
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop(), name="webhook-worker")

    async def stop(self) -> None:
        """Let the current round finish (a round cut off mid-query could leave a connection half-used),
        then stop; a round stuck on a slow receiver is cancelled after the HTTP timeout."""
        if self._task is not None:
            self._stopping.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=TIMEOUT_SECONDS + 1)
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sent = await self.run_once()
            except Exception:  # a database hiccup must not kill the worker; try again next round
                log.exception("webhook worker round failed")
                sent = 0
            if sent < BATCH:  # a full batch means more may be due: go again at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self.poll_seconds)

    async def run_once(self) -> int:
        """Lease and send the due deliveries (at most BATCH); returns how many were attempted."""
        jobs = await self._lease()
        if jobs:
            results = await asyncio.gather(*(self._send(job) for job in jobs))
            await self._record(list(zip(jobs, results, strict=True)))
        return len(jobs)

    async def _lease(self) -> list[_Job]:
        now = self.clock()
        async with self.session_maker() as session:
            rows = (
                await session.execute(
                    select(WebhookDelivery, Webhook.url, Webhook.secret)
                    .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                    .where(
                        WebhookDelivery.status == DeliveryStatus.PENDING,
                        WebhookDelivery.next_attempt_at <= now,
                        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
                        Webhook.active.is_(True),
                    )
                    .order_by(WebhookDelivery.next_attempt_at)
                    .limit(BATCH)
                )
            ).all()
            jobs = []
            for delivery, url, secret in rows:
                leased = await session.execute(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == delivery.id,
                        WebhookDelivery.status == DeliveryStatus.PENDING,
                        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
                    )
                    .values(locked_until=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if leased.rowcount == 1:
                    jobs.append(_Job(delivery.id, url, secret, delivery.event, delivery.body, delivery.attempts))
            await session.commit()
        return jobs

    async def _send(self, job: _Job) -> tuple[int | None, str | None]:
        # Checked before anything is prepared: a refused target costs a DNS lookup, no signature, no client.
        if not self.allow_private_targets and (problem := await delivery_problem(job.url)):
            return None, f"not sent: {problem}"
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self.transport, timeout=TIMEOUT_SECONDS, follow_redirects=False)
        body = job.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: job.event,
            DELIVERY_HEADER: str(job.id),
            SIGNATURE_HEADER: sign(job.secret, body),
        }
        try:
            response = await self._client.post(job.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"

    async def _record(self, outcomes: list[tuple[_Job, tuple[int | None, str | None]]]) -> None:
        now = self.clock()
        async with self.session_maker() as session:
            for job, (status_code, error) in outcomes:
                attempts = job.attempts + 1
                values: dict[str, Any] = {
                    "attempts": attempts,
                    "last_status_code": status_code,
                    "last_error": error,
                    "locked_until": None,
                }
                if error is None:
                    values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
                elif attempts >= self.max_attempts:
                    values |= {"status": DeliveryStatus.FAILED}
                else:
                    values |= {"next_attempt_at": now + timedelta(seconds=self.backoff[attempts - 1])}
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == job.id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
