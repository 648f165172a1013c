"""Keyset pagination: one cursor codec and one page helper for every listing (threads, replies, the
moderation queue, the audit log, the rules history, webhook deliveries).

A cursor is the position of the last item (a small msgspec struct, base64url JSON): offset paging gets
slow on big threads, while a keyset costs the same on page 1 and page 1000."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, Row, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from comments.errors import InvalidInput

T = TypeVar("T")
INVALID = "The cursor is not valid: use next_cursor from a previous page."


class Position(msgspec.Struct, array_like=True):
    created_at: datetime
    id: UUID


def encode_token(position: msgspec.Struct) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).rstrip(b"=").decode()


def bad_cursor(message: str, detail: str = INVALID) -> InvalidInput:
    return InvalidInput(detail, errors=[{"pointer": "/cursor", "message": message}])


def decode_token(cursor: str, position_type: type[T], *, detail: str = INVALID) -> T:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=position_type)
    except (ValueError, msgspec.DecodeError) as exc:
        raise bad_cursor("Not a cursor this service made.", detail) from exc


def encode_cursor(created_at: datetime, id_: UUID) -> str:
    return encode_token(Position(created_at, id_))


def decode_cursor(cursor: str) -> Position:
    return decode_token(cursor, Position)


def after(created_at: Any, id_: Any, cursor: str | Position | None, *, descending: bool) -> ColumnElement[bool] | None:
    """The condition that starts a page just past `cursor` on (created_at, id), or None without one."""
    if not cursor:
        return None
    pos = decode_cursor(cursor) if isinstance(cursor, str) else cursor
    if descending:
        return or_(created_at < pos.created_at, and_(created_at == pos.created_at, id_ < pos.id))
    return or_(created_at > pos.created_at, and_(created_at == pos.created_at, id_ > pos.id))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: Sequence[T]
    next_cursor: str | None


def _position_of(row: Any) -> tuple[datetime, UUID]:
    item = row[0] if isinstance(row, Row) else row
    return item.created_at, item.id


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    columns: tuple[Any, Any],
    cursor: str | None,
    limit: int,
    *,
    descending: bool = False,
    scalars: bool = False,
) -> Page[Any]:
    """One page of `query` ordered by `columns` (created_at, id), starting after `cursor`. The rows are
    `session.execute` rows (or scalars); the first entity of a row gives the next cursor's position."""
    created_at, id_ = columns
    if (start := after(created_at, id_, cursor, descending=descending)) is not None:
        query = query.where(start)
    order = (created_at.desc(), id_.desc()) if descending else (created_at, id_)
    result = await session.execute(query.order_by(*order).limit(limit + 1))
    rows = list(result.scalars() if scalars else result.all())
    more, rows = len(rows) > limit, rows[:limit]
    return Page(rows, encode_cursor(*_position_of(rows[-1])) if more and rows else None)
