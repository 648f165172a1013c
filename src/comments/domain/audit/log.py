from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import AuditEntry, Comment


def record(
    session: AsyncSession,
    *,
    site_id: UUID,
    action: str,
    actor_id: UUID | None,
    target_user_id: UUID | None = None,
    comment_id: UUID | None = None,
    article_id: UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction: the action and its audit entry commit together."""
    entry = AuditEntry(
        site_id=site_id,
        action=action,
        actor_id=actor_id,
        target_user_id=target_user_id,
        comment_id=comment_id,
        article_id=article_id,
        before=before,
        after=after,
        reason=reason,
        note=note,
    )
    session.add(entry)
    return entry


def record_on(
    session: AsyncSession, comment: Comment, *, action: str, actor_id: UUID | None, **details: Any
) -> AuditEntry:
    """An entry about a comment: its site, author (the target) and article come from the comment."""
    return record(
        session,
        site_id=comment.site_id,
        action=action,
        actor_id=actor_id,
        target_user_id=comment.author_id,
        comment_id=comment.id,
        article_id=comment.article_id,
        **details,
    )
