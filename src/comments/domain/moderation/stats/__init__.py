"""Moderation statistics: queue depth, decisions by reason, time to decision, and the precision and
recall of the model's auto-hold against moderators' decisions (pure functions in `metrics`)."""

from comments.domain.moderation.stats.service import ModerationStatsService

__all__ = ["ModerationStatsService"]
