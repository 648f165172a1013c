"""Moderation: the queue of held, flagged and reported comments, claims, decisions, reader reports,
sanctions, site staff, the audit log, stats, and webhooks. See docs/moderation.md.

The routes are listed in `comments.domain.moderation.routes` (not imported here: controllers depend on
comments.deps, which depends on this package's services)."""

from comments.domain.moderation.hooks import comment_stored
from comments.domain.moderation.webhooks import WebhookWorker, enqueue_comment_event, enqueue_event

__all__ = ["WebhookWorker", "comment_stored", "enqueue_comment_event", "enqueue_event"]
