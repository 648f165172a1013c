"""Rate limits: how many comments a user may post per minute, hour and day on a site, and per hour on an
article. A pure check over the author's recent posting times (kept in the database, so that the limit
holds across server processes); a refusal says when to retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from comments.domain.rules.engine import AuthorHistory
from comments.domain.rules.schema import RuleSet
from comments.domain.rules.wording import duration


@dataclass(frozen=True, slots=True)
class RateLimited:
    code: str  # rate_limit.minute | rate_limit.hour | rate_limit.day | rate_limit.article_hour
    message: str  # for the reader
    retry_after_seconds: int
    limit: int
    window_seconds: int


# (code, field of RateLimits, window in seconds, counts the article's comments rather than the site's)
_WINDOWS = (
    ("rate_limit.minute", "per_minute", 60, False),
    ("rate_limit.hour", "per_hour", 3_600, False),
    ("rate_limit.day", "per_day", 86_400, False),
    ("rate_limit.article_hour", "per_article_per_hour", 3_600, True),
)


def check_rate_limit(rules: RuleSet, history: AuthorHistory, now: datetime) -> RateLimited | None:
    """None when the author may post now; otherwise the limit that keeps them waiting longest."""
    worst: RateLimited | None = None
    for code, name, window, on_article in _WINDOWS:
        limit = getattr(rules.rate_limits, name)
        if limit is None:
            continue
        start = now - timedelta(seconds=window)
        inside = sorted(t for t in (history.recent_on_article if on_article else history.recent_on_site) if t > start)
        if len(inside) < limit:
            continue
        # Posting is allowed again once all but limit - 1 of these comments have left the window.
        frees_at = inside[len(inside) - limit] + timedelta(seconds=window)
        retry = max(1, ceil((frees_at - now).total_seconds()))
        if worst is None or retry > worst.retry_after_seconds:
            worst = RateLimited(code, _message(code, retry), retry, limit, window)
    return worst


def _message(code: str, retry: int) -> str:
    wait = duration(retry)
    if code == "rate_limit.article_hour":
        return f"You have posted many comments on this article in the last hour. You can comment here again in {wait}."
    if code == "rate_limit.day":
        return f"You have reached today's comment limit on this site. You can comment again in {wait}."
    return f"You are posting comments too quickly. You can comment again in {wait}."
