"""The webhooks package's listeners: what other packages announce becomes outbox rows (in their
transaction). Registered when this package is imported (create_app imports it)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from comments.domain.comments.events import CommentChanged
from comments.domain.webhooks.outbox import enqueue_comment_event
from comments.events import listener


@listener(CommentChanged)
async def announce_comment(session: AsyncSession, event: CommentChanged) -> None:
    await enqueue_comment_event(session, event.comment, event=event.event, article=event.article, extra=event.extra)
