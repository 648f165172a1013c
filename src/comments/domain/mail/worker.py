"""The mail worker: sends due mails from the outbox over SMTP, retrying with backoff.

Modelled on the webhook worker: each API process runs one; a mail is leased (a conditional UPDATE) before
it is sent, so two processes never send it twice at once; no transaction stays open during SMTP. With no
SMTP host configured, a mail is written to the log and marked `logged`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update

from comments.clock import utcnow
from comments.db import MailMessage, MailStatus
from comments.domain.mail.sender import build_message

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 7200, 21600)
"""Wait after the 1st, 2nd, ... failed attempt; after the last the mail is marked failed (8 tries over
about 9.5 hours: a mail server down for a night loses nothing)."""
LEASE = timedelta(seconds=120)
BATCH = 20


class Sender(Protocol):
    sender: str

    async def send(self, message: Any) -> None: ...


class MailWorker:
    def __init__(
        self,
        session_maker: Callable[[], Any],
        sender: Sender | None,
        *,
        mail_from: str = "comments@localhost",
        poll_seconds: float = 1.0,
        backoff: tuple[int, ...] = BACKOFF_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """`sender` None: no SMTP configured, mails go to the log."""
        self.session_maker = session_maker
        self.sender = sender
        self.mail_from = sender.sender if sender is not None else mail_from
        self.poll_seconds = poll_seconds
        self.backoff = backoff
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop(), name="mail-worker")

    def wake(self) -> None:
        """Look for due mail now rather than at the next poll (after a commit that queued one)."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping.set()
            self._wake.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=30)
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                done = await self.run_once()
            except Exception:  # a database hiccup must not kill the worker; try again next round
                log.exception("mail worker round failed")
                done = 0
            if done < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                self._wake.clear()

    async def run_once(self) -> int:
        """Lease and send (or log) the due mails, at most BATCH; returns how many were attempted."""
        jobs = await self._lease()
        if not jobs:
            return 0
        outcomes = [(job, await self._deliver(job)) for job in jobs]  # one SMTP conversation at a time
        await self._record(outcomes)
        return len(jobs)

    async def _lease(self) -> list[MailMessage]:
        now = self.clock()
        async with self.session_maker() as session:
            rows = (
                await session.scalars(
                    select(MailMessage)
                    .where(
                        MailMessage.status == MailStatus.PENDING,
                        MailMessage.next_attempt_at <= now,
                        or_(MailMessage.locked_until.is_(None), MailMessage.locked_until < now),
                    )
                    .order_by(MailMessage.next_attempt_at)
                    .limit(BATCH)
                )
            ).all()
            jobs = []
            for mail in rows:
                leased = await session.execute(
                    update(MailMessage)
                    .where(
                        MailMessage.id == mail.id,
                        MailMessage.status == MailStatus.PENDING,
                        or_(MailMessage.locked_until.is_(None), MailMessage.locked_until < now),
                    )
                    .values(locked_until=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if leased.rowcount == 1:
                    jobs.append(mail)
            await session.commit()
        return jobs

    async def _deliver(self, mail: MailMessage) -> str | None:
        """None when sent (or logged); otherwise the error."""
        if self.sender is None:
            log.info(
                "mail (no SMTP configured) to=%s subject=%r template=%s\n%s",
                mail.to_address,
                mail.subject,
                mail.template,
                mail.text_body,
            )
            return None
        message = build_message(
            sender=self.mail_from,
            to=mail.to_address,
            subject=mail.subject,
            text=mail.text_body,
            html=mail.html_body,
            message_id=str(mail.id),
        )
        try:
            await self.sender.send(message)
        except Exception as exc:  # SMTP refusals, timeouts, DNS, TLS: all retried the same way
            log.info("mail %s to %s not sent: %s", mail.id, mail.to_address, exc)
            return f"{type(exc).__name__}: {exc}"[:500]
        return None

    async def _record(self, outcomes: list[tuple[MailMessage, str | None]]) -> None:
        now = self.clock()
        async with self.session_maker() as session:
            for mail, error in outcomes:
                attempts = mail.attempts + 1
                values: dict[str, Any] = {"attempts": attempts, "last_error": error, "locked_until": None}
                if error is None and self.sender is None:
                    values |= {"status": MailStatus.LOGGED, "sent_at": now}
                elif error is None:
                    # Sent: the bodies may hold a one-time link; the outbox need not keep it.
                    values |= {"status": MailStatus.SENT, "sent_at": now, "text_body": "", "html_body": ""}
                elif attempts >= self.max_attempts:
                    values |= {"status": MailStatus.FAILED}
                else:
                    values |= {"next_attempt_at": now + timedelta(seconds=self.backoff[attempts - 1])}
                await session.execute(
                    update(MailMessage)
                    .where(MailMessage.id == mail.id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
