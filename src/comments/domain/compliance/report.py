"""The transparency report (Art. 15 and 24, after the templates of Implementing Regulation (EU)
2024/2835): pure aggregation over the period's notices, statements, appeals and moderators' decisions,
and its CSV form."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any, Final

ACCURACY_METHOD: Final = (
    "Precision: of the comments the tool held that a moderator then decided on, the share the moderator "
    "rejected (approved ones are false positives). Recall cannot be measured exactly, because content the tool "
    "let through and nobody reported is never reviewed: the estimate counts as misses only the comments the tool "
    "published that moderators later rejected (after reports, notices or their own review), so it is an upper "
    "bound. Comments the tool rejected outright are reviewed only when appealed: reversed appeals against "
    "automated decisions are reported beside it."
)


@dataclass(frozen=True, slots=True)
class NoticeRow:
    category: str
    status: str
    action: str | None
    ground: str | None
    manifestly_unfounded: bool
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class StatementRow:
    decision: str
    ground: str
    source: str
    terms_rule: str | None
    category: str | None
    eu_category: str
    automated_detection: bool
    automated_decision: bool


@dataclass(frozen=True, slots=True)
class AppealRow:
    status: str
    outcome: str | None
    created_at: datetime
    decided_at: datetime | None
    against_automated_decision: bool


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A moderator's decision on a comment, with what the pipeline had done with it."""

    approved: bool
    auto_status: str | None
    model_flagged: bool
    rules_flagged: bool


def _median_seconds(pairs: list[tuple[datetime, datetime | None]]) -> float | None:
    spans = [(end - start).total_seconds() for start, end in pairs if end is not None]
    return round(median(spans), 1) if spans else None


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _tool(reviews: list[ReviewRow], flagged: str, automatic_reversals: int | None) -> dict[str, Any]:
    held = [r for r in reviews if getattr(r, flagged) and r.auto_status in ("held", "rejected")]
    confirmed = sum(1 for r in held if not r.approved)
    missed = sum(1 for r in reviews if not r.approved and r.auto_status == "published" and not getattr(r, flagged))
    out: dict[str, Any] = {
        "held_and_reviewed": len(held),
        "confirmed_by_moderators": confirmed,
        "overturned_by_moderators": len(held) - confirmed,
        "precision": _ratio(confirmed, len(held)),
        "missed_found_by_people": missed,
        "recall_estimate": _ratio(confirmed, confirmed + missed),
    }
    if automatic_reversals is not None:
        out["automated_decisions_reversed_on_appeal"] = automatic_reversals
    return out


def build_report(
    *,
    site: str,
    start: datetime,
    end: datetime,
    notices: list[NoticeRow],
    statements: list[StatementRow],
    appeals: list[AppealRow],
    reviews: list[ReviewRow],
    generated_at: datetime,
) -> dict[str, Any]:
    content = [s for s in statements if s.decision in ("removal", "restriction")]
    own = [s for s in content if s.source != "notice"]
    decided_notices = [n for n in notices if n.status == "decided"]
    decided_appeals = [a for a in appeals if a.status == "decided"]
    return {
        "site": site,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "generated_at": generated_at.isoformat(),
        "notices": {
            "received": len(notices),
            "by_category": dict(sorted(Counter(n.category for n in notices).items())),
            "decided": len(decided_notices),
            "open": len(notices) - len(decided_notices),
            "by_outcome": dict(sorted(Counter(n.action for n in decided_notices if n.action).items())),
            "by_ground": dict(sorted(Counter(n.ground for n in decided_notices if n.ground).items())),
            "manifestly_unfounded": sum(1 for n in notices if n.manifestly_unfounded),
            "median_time_to_decision_seconds": _median_seconds([(n.created_at, n.decided_at) for n in notices]),
        },
        "own_initiative": {
            "total": len(own),
            "by_decision": dict(sorted(Counter(s.decision for s in own).items())),
            "by_ground": dict(sorted(Counter(s.ground for s in own).items())),
            "by_rule": dict(sorted(Counter(s.terms_rule or "unspecified" for s in own).items())),
            "by_source": dict(sorted(Counter(s.source for s in own).items())),
            "by_eu_category": dict(sorted(Counter(s.eu_category for s in own).items())),
            "detection": {
                "automated": sum(1 for s in own if s.automated_detection),
                "human": sum(1 for s in own if not s.automated_detection),
            },
            "decision": {
                "automated": sum(1 for s in own if s.automated_decision),
                "human": sum(1 for s in own if not s.automated_decision),
            },
        },
        "notice_actions": {
            "total": len(content) - len(own),
            "by_decision": dict(sorted(Counter(s.decision for s in content if s.source == "notice").items())),
        },
        "appeals": {
            "received": len(appeals),
            "decided": len(decided_appeals),
            "upheld": sum(1 for a in decided_appeals if a.outcome == "upheld"),
            "reversed": sum(1 for a in decided_appeals if a.outcome == "reversed"),
            "open": len(appeals) - len(decided_appeals),
            "median_time_to_decision_seconds": _median_seconds([(a.created_at, a.decided_at) for a in appeals]),
        },
        "suspensions": {
            "suspensions": sum(1 for s in statements if s.decision == "suspension"),
            "bans": sum(1 for s in statements if s.decision == "ban"),
            "notice_suspensions": sum(1 for s in statements if s.decision == "notice_suspension"),
        },
        "automated_tools": {
            "model": _tool(
                reviews,
                "model_flagged",
                sum(1 for a in decided_appeals if a.outcome == "reversed" and a.against_automated_decision),
            ),
            "rules": _tool(reviews, "rules_flagged", None),
            "method": ACCURACY_METHOD,
        },
    }


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    else:
        rows.append((prefix, "" if value is None else str(value)))


def report_csv(report: dict[str, Any]) -> str:
    """One `metric,value` row per figure, the metric a dotted path into the JSON report."""
    rows: list[tuple[str, str]] = []
    _flatten("", report, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("metric", "value"))
    writer.writerows(rows)
    return out.getvalue()
