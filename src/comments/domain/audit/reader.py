"""Reading a site's audit log: newest first, filtered, in keyset pages. (Writing is audit.record, in the
transaction of the action it records; the table refuses updates and deletes.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import AuditEntry, Profile
from comments.db.lookups import site_by_slug
from comments.db.queries import where_given
from comments.db.service import Service, view
from comments.domain.audit import schemas as s
from comments.pagination import Page, keyset_page


async def newest_first(session: AsyncSession, query: Select[Any], cursor: str | None, limit: int) -> Page[Any]:
    """A page of a query over audit entries (its first entity), newest first: the moderation log and the
    rules history read the log this way."""
    return await keyset_page(session, query, (AuditEntry.created_at, AuditEntry.id), cursor, limit, descending=True)


class AuditLogService(Service[AuditEntry]):
    model_type = AuditEntry

    async def entries(
        self,
        slug: str,
        *,
        actor: UUID | None = None,
        target_user: UUID | None = None,
        comment: UUID | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> s.AuditPage:
        """`action` is exact (`comment.rejected`) or, ending with a dot, a prefix (`user.`)."""
        site = await site_by_slug(self.session, slug)
        query = where_given(
            select(AuditEntry, Profile.display_name)
            .outerjoin(Profile, Profile.user_id == AuditEntry.actor_id)
            .where(AuditEntry.site_id == site.id),
            (AuditEntry.actor_id, actor),
            (AuditEntry.target_user_id, target_user),
            (AuditEntry.comment_id, comment),
        )
        if action:
            query = query.where(
                AuditEntry.action.startswith(action, autoescape=True)
                if action.endswith(".")
                else AuditEntry.action == action
            )
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        if until is not None:
            query = query.where(AuditEntry.created_at < until)
        page = await newest_first(self.session, query, cursor, limit)
        return s.AuditPage(items=[self._view(entry, name) for entry, name in page.rows], next_cursor=page.next_cursor)

    def _view(self, entry: AuditEntry, actor_name: str | None) -> s.AuditEntry:
        actor = s.AuditActor(id=entry.actor_id, display_name=actor_name) if entry.actor_id else None
        return view(s.AuditEntry, entry, at=entry.created_at, actor=actor)
