"""Opaque keyset cursors: (created_at, id) of the last item, base64url JSON. Offset paging gets slow on
big threads; a keyset costs the same on page 1 and page 1000."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, and_, or_

from comments.errors import InvalidInput


class Position(msgspec.Struct, array_like=True):
    created_at: datetime
    id: UUID


def encode_cursor(created_at: datetime, id_: UUID) -> str:
    raw = msgspec.json.encode(Position(created_at, id_))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=Position)
    except (ValueError, msgspec.DecodeError) as exc:
        raise InvalidInput(
            "The cursor is not valid: use next_cursor from a previous page.",
            errors=[{"pointer": "/cursor", "message": "Not a cursor this service made."}],
        ) from exc


def after(created_at: Any, id_: Any, cursor: str | None, *, descending: bool) -> ColumnElement[bool] | None:
    """The condition that starts a page just past `cursor` on (created_at, id), or None without one."""
    if not cursor:
        return None
    pos = decode_cursor(cursor)
    if descending:
        return or_(created_at < pos.created_at, and_(created_at == pos.created_at, id_ < pos.id))
    return or_(created_at > pos.created_at, and_(created_at == pos.created_at, id_ > pos.id))
