"""Moderation stats for a site: what the queue looks like now and over time, how fast moderators decide,
why they reject, and how well each toxicity label's auto-hold matches their decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import case, func, select

from comments.clock import utcnow
from comments.db import AuditEntry, Comment, CommentStatus
from comments.db.lookups import site_by_slug
from comments.db.service import Service
from comments.domain.moderation import schemas as s
from comments.domain.moderation.queue import Sources, open_reports, reported_ids
from comments.domain.moderation.stats import metrics
from comments.domain.rules.schema import effective_thresholds
from comments.domain.rules.stored import site_rules
from comments.errors import InvalidInput

DECISIONS = {"comment.approved": "approve", "comment.rejected": "reject"}
MAX_POINTS = 400
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _fact(entry: AuditEntry) -> metrics.DecisionFact:
    before = entry.before or {}
    return metrics.DecisionFact(
        decided_at=entry.created_at,
        action=DECISIONS[entry.action],
        reason_code=entry.reason,
        queued_at=_when(before.get("queued_at")),
        status_before=str(before.get("status") or ""),
        flagged_labels=tuple(before.get("toxicity_labels") or ()),
    )


class ModerationStatsService(Service[AuditEntry]):
    model_type = AuditEntry

    async def stats(self, slug: str, *, since: datetime | None, bucket: Literal["hour", "day"] | None) -> s.Stats:
        site = await site_by_slug(self.session, slug)
        now = utcnow()
        since = since or now - timedelta(days=30)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if since >= now:
            raise InvalidInput(
                "`since` must be in the past.", errors=[{"pointer": "/since", "message": "Use a past time."}]
            )
        bucket = bucket or ("hour" if now - since <= timedelta(days=2) else "day")
        points = metrics.bucket_ends(since, now, STEPS[bucket])
        if len(points) > MAX_POINTS:
            raise InvalidInput(
                f"That is more than {MAX_POINTS} {bucket}s: choose a later `since` or a larger bucket.",
                errors=[{"pointer": "/since", "message": f"At most {MAX_POINTS} buckets."}],
            )
        entries = await self.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.site_id == site.id,
                AuditEntry.action.in_(list(DECISIONS)),
                AuditEntry.created_at >= since,
            )
            .order_by(AuditEntry.created_at)
        )
        decisions = [_fact(e) for e in entries]
        queued_now = await self._queued_now(site.id, site_rules(site).reports.threshold)
        labels = effective_thresholds(site_rules(site).toxicity).keys()
        return s.Stats(
            since=since,
            until=now,
            bucket=bucket,
            queue_depth=len(queued_now),
            depth_over_time=metrics.depth_series(queued_now, decisions, points),
            time_to_decision=metrics.time_to_decision(decisions),
            decisions_by_reason=metrics.by_reason(decisions),
            labels=metrics.label_quality(decisions, labels),
        )

    async def _queued_now(self, site_id: Any, threshold: int) -> list[datetime]:
        """When each comment now in the queue entered it: when it was held or flagged (or last edited), or
        for a published comment, when its latest open report came in."""
        sources = Sources(site_id, tuple(await self.session.scalars(reported_ids(site_id, threshold))))
        ids = sources.ids()
        reports = open_reports(site_id)
        entered = case(
            (
                (Comment.status == CommentStatus.PUBLISHED) & reports.c.last_at.is_not(None) & ~Comment.flagged,
                reports.c.last_at,
            ),
            else_=func.coalesce(Comment.edited_at, Comment.created_at),
        )
        rows = await self.session.scalars(
            select(entered)
            .select_from(Comment)
            .join(ids, ids.c.id == Comment.id)
            .outerjoin(reports, reports.c.comment_id == Comment.id)
        )
        return [at if at.tzinfo else at.replace(tzinfo=UTC) for at in rows]
