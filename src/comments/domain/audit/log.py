from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import AuditEntry, Comment


def record(session: AsyncSession, *, site_id: UUID, action: str, actor_id: UUID | None, **details: Any) -> AuditEntry:
    """Append an entry in the caller's transaction: the action and its audit entry commit together.
    `details` are AuditEntry's optional columns (target_user_id, comment_id, article_id, before, after,
    reason, note); the model refuses any other name."""
    entry = AuditEntry(site_id=site_id, action=action, actor_id=actor_id, **details)
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
