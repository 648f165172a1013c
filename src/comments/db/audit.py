from __future__ import annotations

from typing import Any
from uuid import UUID

from advanced_alchemy.types import JsonB
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from comments.db.base import UUIDv7AuditBase


class AuditEntry(UUIDv7AuditBase):
    """One moderation decision, sanction, rules change or role change. Append-only: database triggers
    (see the migration) refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_site_created", "site_id", "created_at"),
        Index("ix_audit_entry_site_action_created", "site_id", "action", "created_at"),
        Index("ix_audit_entry_comment", "comment_id"),
        Index("ix_audit_entry_target_user", "target_user_id"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id"))
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    """None for the system (e.g. the auto-moderation of a comment)."""
    action: Mapped[str] = mapped_column(String(64))
    """Dotted: comment.approved, comment.rejected, user.suspended, rules.changed, member.granted, ..."""
    target_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    comment_id: Mapped[UUID | None] = mapped_column(ForeignKey("comment.id"), default=None)
    article_id: Mapped[UUID | None] = mapped_column(ForeignKey("article.id"), default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    note: Mapped[str | None] = mapped_column(String(2000), default=None)
