"""A tiny in-transaction domain-event dispatcher: how side effects flow back up the package graph.

A package emits an event (a plain struct defined next to the emitter) with the request's session; the
listeners that higher packages registered with `@listener(EventType)` run before the emitter commits, so
what they write (a webhook outbox row, say) commits with the change or not at all. Litestar's `app.emit`
runs listeners after the response, outside the transaction, which would lose events on a crash: it is
not used for anything that must be stored. This module imports nothing from the domain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")
Listener = Callable[[AsyncSession, Any], Awaitable[None]]

_listeners: dict[type, list[Listener]] = {}


def listener(*event_types: type) -> Callable[[Listener], Listener]:
    """Register `fn(session, event)` for each of `event_types` (once: re-registering is a no-op)."""

    def register(fn: Listener) -> Listener:
        for event_type in event_types:
            registered = _listeners.setdefault(event_type, [])
            if fn not in registered:
                registered.append(fn)
        return fn

    return register


async def emit(session: AsyncSession, event: object) -> None:
    """Run every listener of `type(event)`, in registration order, in the caller's transaction."""
    for fn in _listeners.get(type(event), ()):
        await fn(session, event)
