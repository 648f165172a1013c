"""The moderation queue: its SQL (three disjoint sources merged in keyset pages), the items moderators
see, and the service behind the queue routes. Other modules use only the names below."""

from comments.domain.moderation.queue.items import claim_view
from comments.domain.moderation.queue.query import Sort, Sources, open_reports, reported_ids
from comments.domain.moderation.queue.service import QueueService

__all__ = ["QueueService", "Sort", "Sources", "claim_view", "open_reports", "reported_ids"]
