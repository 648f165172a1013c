"""Shared declarative base: advanced-alchemy's UUIDv7 audit base (id, created_at, updated_at)."""

import enum

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry

metadata = orm_registry.metadata


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """Store an enum's values ("published"), not its member names ("PUBLISHED"): readable in SQL."""
    return [member.value for member in enum_class]


__all__ = ("UUIDv7AuditBase", "enum_values", "metadata")
