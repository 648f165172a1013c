"""Shared declarative base: advanced-alchemy's UUIDv7 audit base (id, created_at, updated_at), and the
column kinds several tables share."""

import enum
from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """Store an enum's values ("published"), not its member names ("PUBLISHED"): readable in SQL."""
    return [member.value for member in enum_class]


def str_enum(enum_class: type[enum.Enum]) -> Enum:
    """An enum column: its values in a VARCHAR(20), no database enum type (a new member needs no
    migration)."""
    return Enum(enum_class, native_enum=False, length=20, values_callable=enum_values)


class OutboxRow:
    """The columns of an outbox table that its worker (comments/outbox.py) reads and writes, besides
    `status` (each outbox has its own statuses)."""

    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """A worker's lease while it attempts the row, so that two processes never send it at once."""
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)


__all__ = ("OutboxRow", "UUIDv7AuditBase", "enum_values", "metadata", "str_enum")
