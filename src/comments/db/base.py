"""Shared declarative base: advanced-alchemy's UUIDv7 audit base (id, created_at, updated_at)."""

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry

metadata = orm_registry.metadata

__all__ = ("UUIDv7AuditBase", "metadata")
