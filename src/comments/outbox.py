"""What the outbox workers share (domain/mail/worker.py, domain/webhooks/worker.py): each API process runs
one per outbox; a round leases the due rows (a conditional UPDATE), so two processes never attempt the
same row at once, attempts them with no transaction open, then records each outcome: done, retried after
the next backoff step, or failed after the last one.

A subclass names its table and statuses and says how one row is attempted and what "done" writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import Select, or_, select, update

from comments.clock import utcnow

BATCH = 20


class Leased(Protocol):
    """A leased row as the worker sees it (the row itself, or what the subclass keeps of it)."""

    @property
    def id(self) -> UUID: ...

    @property
    def attempts(self) -> int: ...


JobT = TypeVar("JobT", bound=Leased)


@dataclass(frozen=True, slots=True)
class Attempt:
    error: str | None = None
    """None: done."""
    columns: dict[str, Any] = field(default_factory=dict)
    """Written whatever the outcome (e.g. the HTTP status a webhook's receiver answered)."""


class OutboxWorker(Generic[JobT]):
    model: ClassVar[Any]
    """The outbox table: an `id`, a `status` and the columns of db.base.OutboxRow."""
    status: ClassVar[Any]
    """Its status enum: rows in PENDING are due once next_attempt_at comes; FAILED ones were given up."""
    name: ClassVar[str]
    """Names the task (`<name>-worker`) and the log line of a failed round (logged by the subclass's
    module's logger)."""
    lease: ClassVar[timedelta]
    stop_timeout: ClassVar[float]
    """How long `stop` waits for the current round before cancelling it."""
    batch: ClassVar[int] = BATCH

    def __init__(
        self,
        session_maker: Callable[[], Any],
        *,
        poll_seconds: float,
        backoff: tuple[int, ...],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """`session_maker()` gives an async context manager yielding an AsyncSession (the app's
        SQLAlchemy config's `get_session`). `backoff`: the wait after the 1st, 2nd, ... failed attempt;
        after the last the row is marked failed. Tests pass a clock."""
        self.session_maker = session_maker
        self.poll_seconds = poll_seconds
        self.backoff = backoff
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self.log = logging.getLogger(type(self).__module__)

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._loop(), name=f"{self.name}-worker")

    def wake(self) -> None:
        """Look for due rows now rather than at the next poll (after a commit that queued one)."""
        self._wake.set()

    async def stop(self) -> None:
        """Let the current round finish (a round cut off mid-query could leave a connection half-used),
        then stop; a round stuck on a slow attempt is cancelled after `stop_timeout`."""
        if self._task is not None:
            self._stopping.set()
            self._wake.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=self.stop_timeout)
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                attempted = await self.run_once()
            except Exception:  # a database hiccup must not kill the worker; try again next round
                self.log.exception("%s worker round failed", self.name)
                attempted = 0
            if attempted < self.batch:  # a full batch means more may be due: go again at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                self._wake.clear()

    async def run_once(self) -> int:
        """Lease and attempt the due rows (at most `batch`); returns how many were attempted."""
        jobs = await self._lease()
        if not jobs:
            return 0
        await self._record(list(zip(jobs, await self._attempt_all(jobs), strict=True)))
        return len(jobs)

    def _due(self) -> Select[Any]:
        """What a round reads of the due rows: the row first (a subclass may join and filter more)."""
        return select(self.model)

    def _job(self, row: Any) -> JobT:
        """What the attempt needs of one result row of `_due`."""
        job: JobT = row[0]
        return job

    async def _attempt_all(self, jobs: list[JobT]) -> list[Attempt]:
        return [await self._attempt(job) for job in jobs]

    async def _attempt(self, job: JobT) -> Attempt:
        raise NotImplementedError

    def _done(self, job: JobT, now: datetime) -> dict[str, Any]:
        """The columns written when an attempt succeeded (besides the common ones)."""
        raise NotImplementedError

    async def _lease(self) -> list[JobT]:
        now = self.clock()
        table = self.model
        unlocked = or_(table.locked_until.is_(None), table.locked_until < now)
        due = (
            self._due()
            .where(table.status == self.status.PENDING, table.next_attempt_at <= now, unlocked)
            .order_by(table.next_attempt_at)
            .limit(self.batch)
        )
        async with self.session_maker() as session:
            jobs = []
            for row in (await session.execute(due)).all():
                job = self._job(row)
                leased = await session.execute(
                    update(table)
                    .where(table.id == job.id, table.status == self.status.PENDING, unlocked)
                    .values(locked_until=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
                if leased.rowcount == 1:
                    jobs.append(job)
            await session.commit()
        return jobs

    async def _record(self, outcomes: list[tuple[JobT, Attempt]]) -> None:
        now = self.clock()
        async with self.session_maker() as session:
            for job, attempt in outcomes:
                attempts = job.attempts + 1
                values: dict[str, Any] = {"attempts": attempts, "last_error": attempt.error, "locked_until": None}
                values |= attempt.columns
                if attempt.error is None:
                    values |= self._done(job, now)
                elif attempts >= self.max_attempts:
                    values |= {"status": self.status.FAILED}
                else:
                    values |= {"next_attempt_at": now + timedelta(seconds=self.backoff[attempts - 1])}
                await session.execute(
                    update(self.model)
                    .where(self.model.id == job.id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
