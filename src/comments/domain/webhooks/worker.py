"""The webhook worker: sends due deliveries, signs them, retries with backoff, records every attempt.

An outbox worker (comments/outbox.py, shared with the mail worker), run in each API process (started in
the app's lifespan). Several processes may share one database: a delivery is leased before it is sent, so
only one process sends it at a time. No transaction stays open while a publisher's server answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import Select, select

from comments.clock import utcnow
from comments.db import DeliveryStatus, Webhook, WebhookDelivery
from comments.domain.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign
from comments.domain.webhooks.targets import delivery_problem
from comments.outbox import Attempt, OutboxWorker

BACKOFF_SECONDS = (10, 60, 300, 1800, 7200, 21600)
"""Wait after the 1st, 2nd, ... failed attempt; after the last the delivery is marked failed (7 tries
over about 8.5 hours)."""
LEASE = timedelta(seconds=60)
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


class WebhookWorker(OutboxWorker[_Job]):
    model = WebhookDelivery
    status = DeliveryStatus
    name = "webhook"
    lease = LEASE
    stop_timeout = TIMEOUT_SECONDS + 1  # a round stuck on a slow receiver is cut after the HTTP timeout

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
        """Tests pass a transport. Unless `allow_private_targets`, a delivery whose host resolves to a
        non-public address is not sent (webhooks/targets.py) and counts as a failed attempt."""
        super().__init__(session_maker, poll_seconds=poll_seconds, backoff=backoff, clock=clock)
        self.allow_private_targets = allow_private_targets
        self.transport = transport
        self._client: httpx.AsyncClient | None = None

    async def stop(self) -> None:
        await super().stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _due(self) -> Select[Any]:
        return (
            select(WebhookDelivery, Webhook.url, Webhook.secret)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(Webhook.active.is_(True))
        )

    def _job(self, row: Any) -> _Job:
        delivery, url, secret = row
        return _Job(delivery.id, url, secret, delivery.event, delivery.body, delivery.attempts)

    async def _attempt_all(self, jobs: list[_Job]) -> list[Attempt]:
        return list(await asyncio.gather(*(self._attempt(job) for job in jobs)))

    def _done(self, job: _Job, now: datetime) -> dict[str, Any]:
        return {"status": DeliveryStatus.DELIVERED, "delivered_at": now}

    async def _attempt(self, job: _Job) -> Attempt:
        # Checked before anything is prepared: a refused target costs a DNS lookup, no signature, no client.
        if not self.allow_private_targets and (problem := await delivery_problem(job.url)):
            return Attempt(f"not sent: {problem}", {"last_status_code": None})
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
            return Attempt(f"{type(exc).__name__}: {exc}"[:500], {"last_status_code": None})
        code = response.status_code
        return Attempt(None if 200 <= code < 300 else f"HTTP {code}", {"last_status_code": code})
