"""The webhook outbox: an event becomes one delivery row per subscribed webhook, written in the caller's
transaction (so an event is announced if and only if what it announces is committed). The worker sends
them later: no API answer waits on a publisher's server."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid4

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import Article, Comment, Site, Webhook, WebhookDelivery
from comments.domain.comments.reasons import reasons_of

COMMENT_EVENTS: Final = ("comment.held", "comment.published", "comment.rejected", "comment.reported")
PING: Final = "ping"
"""Sent on request to one webhook, whatever it subscribes to: a way to test the receiver."""


def event_body(event: str, site_slug: str, data: dict[str, Any], *, at: datetime | None = None) -> str:
    envelope = {"id": uuid4(), "event": event, "occurred_at": at or utcnow(), "site": site_slug, "data": data}
    return msgspec.json.encode(envelope).decode()


async def enqueue_event(
    session: AsyncSession, site_id: UUID, event: str, data: dict[str, Any], *, webhook: Webhook | None = None
) -> list[WebhookDelivery]:
    """Queue `event` for every active webhook of the site that subscribes to it (or for `webhook` only).
    Adds the deliveries to the session (the caller commits) and returns them."""
    if webhook is not None:
        targets = [webhook]
    else:
        hooks = await session.scalars(select(Webhook).where(Webhook.site_id == site_id, Webhook.active.is_(True)))
        targets = [hook for hook in hooks if event in (hook.events or [])]
    if not targets:
        return []
    slug = await session.scalar(select(Site.slug).where(Site.id == site_id))
    now = utcnow()
    body = event_body(event, slug or "", data, at=now)
    deliveries = [
        WebhookDelivery(webhook_id=hook.id, site_id=site_id, event=event, body=body, next_attempt_at=now)
        for hook in targets
    ]
    session.add_all(deliveries)
    return deliveries


def comment_data(comment: Comment, article: Article) -> dict[str, Any]:
    return {
        "id": comment.id,
        "article": {"id": article.external_id, "url": article.url, "title": article.title},
        "parent_id": comment.parent_id,
        "author_id": comment.author_id,
        "status": str(comment.status),
        "version": comment.version,
        "body": comment.body,
        "reasons": [{"code": r.code, "action": r.action} for r in reasons_of(comment.reasons)],
        "scores": comment.scores,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }


async def enqueue_comment_event(
    session: AsyncSession,
    comment: Comment,
    *,
    event: str | None = None,
    article: Article | None = None,
    extra: dict[str, Any] | None = None,
) -> list[WebhookDelivery]:
    """Queue `comment.<status>` (or `event`) about a stored comment. Call it after the comment is flushed
    (it needs the id and times) and before the commit. `extra` adds e.g. the decision or the report."""
    event = event or f"comment.{comment.status}"
    if event not in COMMENT_EVENTS:
        return []
    article = article or await session.get(Article, comment.article_id)
    if article is None:
        return []
    return await enqueue_event(
        session, comment.site_id, event, {"comment": comment_data(comment, article), **(extra or {})}
    )
