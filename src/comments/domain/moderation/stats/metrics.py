"""Pure arithmetic behind the moderation stats: queue depth over time, time to decision, and how well the
model's auto-holds agree with moderators. Inputs come from the audit log (each decision records when its
comment entered the queue and which labels the model had flagged) and from what is queued now."""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from comments.domain.moderation import schemas as s


@dataclass(frozen=True, slots=True)
class DecisionFact:
    decided_at: datetime
    action: str  # approve | reject
    reason_code: str | None
    queued_at: datetime | None  # None: the comment was not in the queue (e.g. overturning a rejection)
    status_before: str
    flagged_labels: tuple[str, ...] = field(default=())


def depth_series(
    queued_now: Sequence[datetime], decisions: Sequence[DecisionFact], points: Sequence[datetime]
) -> list[s.DepthPoint]:
    """Depth at t = comments that had entered the queue by t and were not yet decided at t."""
    entered = sorted([*queued_now, *(d.queued_at for d in decisions if d.queued_at is not None)])
    left = sorted(d.decided_at for d in decisions if d.queued_at is not None)
    return [s.DepthPoint(at=t, depth=bisect_right(entered, t) - bisect_right(left, t)) for t in points]


def bucket_ends(since: datetime, until: datetime, step: timedelta) -> list[datetime]:
    """The end of every bucket from `since` to `until`: whole UTC hours or days (so that two requests a
    minute apart agree), and `until` itself as the last."""
    epoch = datetime(2000, 1, 1, tzinfo=since.tzinfo)
    ends, at = [], epoch + ((since - epoch) // step + 1) * step
    while at < until:
        ends.append(at)
        at += step
    ends.append(until)
    return ends


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def time_to_decision(decisions: Iterable[DecisionFact]) -> s.TimeToDecision:
    waits = [(d.decided_at - d.queued_at).total_seconds() for d in decisions if d.queued_at is not None]
    return s.TimeToDecision(
        decisions=len(waits),
        median_seconds=statistics.median(waits) if waits else None,
        p90_seconds=percentile(waits, 0.9),
    )


def by_reason(decisions: Iterable[DecisionFact]) -> list[s.DecisionCount]:
    counts = Counter((d.action, d.reason_code) for d in decisions)
    return [
        s.DecisionCount(action=action, reason_code=code, count=n)
        for (action, code), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or ""))
    ]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def label_quality(decisions: Sequence[DecisionFact], labels: Iterable[str]) -> list[s.LabelQuality]:
    """Per label: precision of the auto-hold (held for it, then rejected by a moderator) and recall (rejected
    by a moderator, and the model had flagged it for this label)."""
    rejected = [d for d in decisions if d.action == "reject"]
    seen = set(labels) | {label for d in decisions for label in d.flagged_labels}
    quality = []
    for label in sorted(seen):
        held = [d for d in decisions if d.status_before == "held" and label in d.flagged_labels]
        held_rejected = sum(1 for d in held if d.action == "reject")
        flagged = sum(1 for d in rejected if label in d.flagged_labels)
        quality.append(
            s.LabelQuality(
                label=label,
                auto_held_decided=len(held),
                auto_held_rejected=held_rejected,
                precision=_share(held_rejected, len(held)),
                moderator_rejected=len(rejected),
                model_flagged=flagged,
                recall=_share(flagged, len(rejected)),
            )
        )
    return quality
