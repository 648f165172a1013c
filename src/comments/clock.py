"""The one clock: timezone-aware UTC. Tests that need another time pass `now` explicitly."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
