"""Per-site webhooks for moderation events: an outbox written in the event's transaction, a worker that
signs (HMAC-SHA256) and sends with retries, and the admin API with a delivery log."""

from comments.domain.moderation.webhooks.outbox import COMMENT_EVENTS, enqueue_comment_event, enqueue_event
from comments.domain.moderation.webhooks.signing import SIGNATURE_HEADER, sign, verify
from comments.domain.moderation.webhooks.worker import WebhookWorker

__all__ = [
    "COMMENT_EVENTS",
    "SIGNATURE_HEADER",
    "WebhookWorker",
    "enqueue_comment_event",
    "enqueue_event",
    "sign",
    "verify",
]
