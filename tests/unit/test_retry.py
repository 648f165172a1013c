"""Which database failures run a request again, and how often (comments.retry)."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

from comments.retry import LIMITS, mark_for_retry


def lost() -> DBAPIError:
    return DBAPIError("INSERT ...", {}, ConnectionError("terminating connection"), connection_invalidated=True)


def scope() -> dict:
    return {"type": "http", "method": "POST", "path": "/api/v1/sites/demo/articles/a/comments"}


def next_attempt(s: dict) -> None:
    s["comments_retry"] = None  # what the middleware does before running the request again


def test_a_lost_connection_runs_the_request_again_up_to_its_limit():
    s = scope()
    for _ in range(LIMITS["lost"]):
        assert mark_for_retry(s, lost())
        assert s["comments_retry"] == "lost"  # the kind this attempt is run again for
        next_attempt(s)
    assert not mark_for_retry(s, lost())  # the next one is the client's 500


def test_a_second_error_of_the_same_attempt_is_not_another_retry():
    """Tidying up on a dead connection can raise again; that is still the one failure."""
    s = scope()
    assert mark_for_retry(s, lost())
    assert mark_for_retry(s, lost())
    assert s["comments_retry_attempts"] == {"lost": 1}


def test_sqlite_busy_has_its_own_count_and_other_errors_none():
    s = scope()
    busy = DBAPIError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
    assert mark_for_retry(s, busy)
    next_attempt(s)
    assert mark_for_retry(s, lost())
    assert s["comments_retry_attempts"] == {"busy": 1, "lost": 1}
    next_attempt(s)
    assert not mark_for_retry(s, DBAPIError("SELECT", {}, ValueError("syntax error")))
    assert not mark_for_retry(s, ValueError("a bug"))
    assert not mark_for_retry({"type": "websocket"}, lost())


def test_a_deadlock_victim_or_serialization_failure_runs_again():
    """PostgreSQL rolled the whole transaction back: running the request again is safe."""
    from asyncpg.exceptions import DeadlockDetectedError, SerializationError, UniqueViolationError

    for error in (DeadlockDetectedError("deadlock detected"), SerializationError("could not serialize")):
        s = scope()
        for _ in range(LIMITS["conflict"]):
            assert mark_for_retry(s, DBAPIError("COMMIT", {}, error))
            next_attempt(s)
        assert not mark_for_retry(s, DBAPIError("COMMIT", {}, error))
    # A constraint violation is the request's own problem, answered as such, never run again.
    assert not mark_for_retry(scope(), DBAPIError("INSERT", {}, UniqueViolationError("duplicate key")))
