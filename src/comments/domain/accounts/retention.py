"""Purging stored client addresses and networks (failed logins, reset requests, sessions), mails and
idempotency records after `address_retention_days`. A periodic job in each process runs it (several
processes may: it only deletes and clears what is old). docs/privacy.md lists what is kept how long."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings
from comments.db import AccountToken, IdempotencyRecord, LoginFailure, MailMessage, ResetRequest, SessionToken

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0


async def purge_personal_data(session: AsyncSession, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """Delete or clear what is older than the retention period; returns counts by what. Commits."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=settings.address_retention_days)
    last_used = func.coalesce(SessionToken.last_used_at, SessionToken.created_at)
    done: dict[str, int] = {}
    statements: dict[str, Any] = {
        "login_failures": delete(LoginFailure).where(LoginFailure.created_at < cutoff),
        "reset_requests": delete(ResetRequest).where(ResetRequest.created_at < cutoff),
        "account_tokens": delete(AccountToken).where(AccountToken.expires_at < cutoff),
        "mails": delete(MailMessage).where(MailMessage.created_at < cutoff),
        # A retry with the same Idempotency-Key comes within seconds; a month-old answer is only a copy.
        "idempotency_records": delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff),
        # Ended sessions go; a live one unused for the period keeps working but forgets where it was used.
        "ended_sessions": delete(SessionToken).where(
            or_(SessionToken.expires_at < now, SessionToken.revoked_at.is_not(None)), last_used < cutoff
        ),
        "session_networks": update(SessionToken)
        .where(last_used < cutoff, SessionToken.network.is_not(None))
        .values(network=None),
    }
    for name, statement in statements.items():
        result = await session.execute(statement.execution_options(synchronize_session=False))
        done[name] = int(result.rowcount or 0)
    await session.commit()
    return done


class RetentionJob:
    def __init__(
        self, session_maker: Callable[[], Any], settings: Settings, every: float = PURGE_EVERY_SECONDS
    ) -> None:
        self.session_maker = session_maker
        self.settings = settings
        self.every = every
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop(), name="retention-purge")

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=10)
            self._task = None

    async def _loop(self) -> None:
        # The first round waits too: a process that just started has better things to do.
        while not await self._wait():
            try:
                async with self.session_maker() as session:
                    counts = await purge_personal_data(session, self.settings)
                if any(counts.values()):
                    log.info("retention purge: %s", counts)
            except Exception:  # try again next round
                log.exception("retention purge failed")

    async def _wait(self) -> bool:
        """True once stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=self.every)
        return self._stopping.is_set()
