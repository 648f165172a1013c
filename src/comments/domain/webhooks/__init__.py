"""Per-site webhooks: an outbox written in the announcing transaction (from `CommentChanged` events),
a worker that signs (HMAC-SHA256) and sends with retries, and the admin API with a delivery log."""

from comments.domain.webhooks import listeners as _listeners  # registers the event listeners
from comments.domain.webhooks.outbox import COMMENT_EVENTS, enqueue_comment_event, enqueue_event
from comments.domain.webhooks.signing import SIGNATURE_HEADER, sign, verify
from comments.domain.webhooks.worker import WebhookWorker

__all__ = [
    "COMMENT_EVENTS",
    "SIGNATURE_HEADER",
    "WebhookWorker",
    "enqueue_comment_event",
    "enqueue_event",
    "sign",
    "verify",
]
del _listeners
