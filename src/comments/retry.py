"""A request whose database work failed for a reason that says nothing about the request runs again
instead of costing the client a 500:

- its connection was cut under it (a PostgreSQL backend terminated or restarted, a proxy dropping
  connections): up to three times more, each on a fresh connection, after a pause of 50-150 ms times
  the retry's number. Idle pooled connections are checked before use (`pool_pre_ping`); this covers the
  ones cut while in use. Terminations come in bursts (an operator's pg_terminate_backend over all
  backends, a failover): the pause spreads the retries of one burst, which otherwise all start in the
  same millisecond and queue for the same rows, into the next burst (2 posts of 800 in CI's run, until
  migration d81f3a6b2c47 took the article's row lock out of the post's transaction);
- PostgreSQL chose the transaction as a deadlock's victim or refused it as a serialization failure
  (SQLSTATE 40P01, 40001): it rolled the whole transaction back, so it runs again, up to three times after
  a short pause. Comment changes touching several articles bump their rows at COMMIT in the order made
  (migration d81f3a6b2c47); two such transactions can meet in opposite orders;
- SQLite said "database is locked": in WAL mode a transaction that read and then writes gets SQLITE_BUSY
  at once, without waiting for busy_timeout, when another writer committed meanwhile. A few times, after
  a short random pause.

The failed attempt's transaction died with it (SQLite does not commit a busy COMMIT), so running the
request again is safe, with one exception no server can close: a PostgreSQL connection lost during COMMIT
leaves the outcome unknown. Posts with an Idempotency-Key are answered from their record then; a post
without one could be stored twice in that window of microseconds (docs/deploy.md). Running a request again
is safe only because a request commits once, at its end: the exceptions commit a failed login or a wrong
password before refusing (a second run records nothing more, as the first commit either happened and the
refusal follows, or failed and left nothing), and a claim is read back after its commit (claiming one's own
claim again is idempotent). A handler that commits twice must make its first part idempotent too.

The exception handler (errors.problem_response) marks such a failure in the scope instead of logging it
as an error; this middleware drops that 500 before anything is sent and runs the request again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from typing import Any

from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from sqlalchemy.exc import DBAPIError

from comments.requests import request_id

log = logging.getLogger("comments.db")

_KEY = "comments_retry"
"""The kind of the failure this attempt will be retried for; absent or None when it will not."""
_ATTEMPTS = "comments_retry_attempts"
LIMITS = {"lost": 3, "conflict": 3, "busy": 5}
"""Retries per kind of failure."""
PAUSES = {"lost": (0.05, 0.15), "conflict": (0.01, 0.05), "busy": (0.01, 0.05)}
"""Seconds before a retry, drawn from this range and multiplied by the retry's number."""


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return seen


def connection_lost(exc: BaseException) -> bool:
    """A DBAPIError whose connection SQLAlchemy invalidated, anywhere in the exception's chain."""
    return any(isinstance(e, DBAPIError) and e.connection_invalidated for e in _chain(exc))


ROLLED_BACK_SQLSTATES = frozenset({"40P01", "40001"})
"""deadlock_detected, serialization_failure: PostgreSQL aborted the transaction; nothing of it remains."""


def conflict_rolled_back(exc: BaseException) -> bool:
    return any(getattr(e, "sqlstate", None) in ROLLED_BACK_SQLSTATES for e in _chain(exc))


def sqlite_busy(exc: BaseException) -> bool:
    return any(isinstance(e, sqlite3.OperationalError) and "database is locked" in str(e) for e in _chain(exc))


def _kind(exc: BaseException) -> str | None:
    if connection_lost(exc):
        return "lost"
    if conflict_rolled_back(exc):
        return "conflict"
    return "busy" if sqlite_busy(exc) else None


def mark_for_retry(scope: Any, exc: BaseException) -> bool:
    """Called by the exception handler: True when the request will run again (so: not an error yet)."""
    if scope.get("type") != "http":
        return False
    kind = _kind(exc)
    if kind is None:
        return False
    if scope.get(_KEY) is not None:
        return True  # a second error from the attempt already counted (its tidying up on the dead connection)
    attempts = scope.setdefault(_ATTEMPTS, {})
    if attempts.get(kind, 0) >= LIMITS[kind]:
        return False
    attempts[kind] = attempts.get(kind, 0) + 1
    scope[_KEY] = kind
    level = logging.INFO if kind == "busy" else logging.WARNING
    log.log(
        level,
        "database %s during %s %s; running the request again (retry %d of %d, request_id=%s)",
        *(kind, scope["method"], scope["path"], attempts[kind], LIMITS[kind], request_id(scope)),
    )
    return True


class RetryOnLostConnection:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def unless_retrying(message: Any) -> None:
            if scope.get(_KEY) is None:
                await send(message)

        while True:
            try:
                await self.app(scope, receive, unless_retrying)
            except Exception as exc:  # raised before the route's own handler (authentication's query)
                if not mark_for_retry(scope, exc):
                    raise
            kind = scope.get(_KEY)
            if kind is None:
                return
            scope[_KEY] = None
            await _drop_session(scope)
            await asyncio.sleep(random.uniform(*PAUSES[kind]) * scope[_ATTEMPTS][kind])


async def _drop_session(scope: Any) -> None:
    """Close the request's session (its connection is gone) so the next attempt opens a new one."""
    key = scope["app"].state.sqlalchemy_config.session_scope_key
    session = get_aa_scope_state(scope, key)
    if session is not None:
        delete_aa_scope_state(scope, key)
        try:
            await session.close()
        except Exception:  # the connection is already gone; closing is only tidying up
            log.debug("closing the lost session failed", exc_info=True)
