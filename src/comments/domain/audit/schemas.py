"""What the audit log's readers see."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec


class AuditActor(msgspec.Struct):
    id: UUID
    display_name: str | None


class AuditEntry(msgspec.Struct):
    id: UUID
    at: datetime
    action: str
    actor: AuditActor | None
    """Null for the system (the CLI, the posting pipeline, the report threshold)."""
    target_user_id: UUID | None
    comment_id: UUID | None
    article_id: UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    note: str | None


class AuditPage(msgspec.Struct):
    items: list[AuditEntry]
    next_cursor: str | None
