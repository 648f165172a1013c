"""Backtest: replay a proposed rule set over comments already posted, using their stored toxicity scores.

What the replay knows of each comment's author comes from its record: the account's creation time and how
many of the author's comments on the site were published before it (so account age and new-commenter
pre-moderation replay as they would have applied). Duplicates are replayed among the records themselves
(same `author_id`, within the window, in time order). Rate limits and thread closing are gates that
refuse a post before it is stored, so they are not replayed.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from comments.domain.rules.decide import Reason, Status, decide
from comments.domain.rules.engine import AuthorHistory, Draft, compile_rules
from comments.domain.rules.schema import RuleSet

ModeratorDecision = Literal["approved", "rejected"]
STATUSES: tuple[Status, ...] = ("published", "held", "rejected")
CHANGES = ("approved_now_held", "approved_now_rejected", "rejected_now_published")


@dataclass(frozen=True, slots=True)
class BacktestRecord:
    id: str
    body: str
    depth: int
    created_at: datetime
    scores: dict[str, float] | None  # as stored; None = it was never scored
    original_status: Status  # what the rules of the time decided
    moderator_decision: ModeratorDecision | None  # what a moderator decided later, if anyone did
    account_created_at: datetime
    approved_on_site: int  # the author's comments on the site published before this one
    author_id: str | None = None  # enables the duplicate rule's replay


class BacktestExample(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    excerpt: str
    old_status: Status
    new_status: Status
    moderator_decision: ModeratorDecision | None
    reasons: tuple[Reason, ...]


class BacktestReport(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    actual: dict[str, int]  # status -> comments the rules of the time gave it
    would_be: dict[str, int]  # status -> comments the proposed rules would give it
    matrix: dict[str, dict[str, int]]  # actual status -> would-be status -> comments
    would_be_flagged: int  # published, and listed for moderators
    changed: int  # comments whose status would change
    approved_now_held: int  # approved by a moderator, now held
    approved_now_rejected: int  # approved by a moderator, now rejected
    rejected_now_published: int  # rejected by a moderator, now published
    reason_counts: dict[str, int]  # reason code -> comments it would apply to
    examples: dict[str, list[BacktestExample]]  # one of CHANGES -> up to `examples` of them, in time order


def backtest(rules: RuleSet, records: Iterable[BacktestRecord], examples: int = 5) -> BacktestReport:
    """How `rules` would have decided `records`, compared with what happened. Deterministic: records are
    replayed in (created_at, id) order."""
    compiled = compile_rules(rules)
    window = timedelta(seconds=rules.duplicate.window_seconds)
    recent: dict[str, deque[tuple[str, datetime]]] = {}
    matrix = {old: dict.fromkeys(STATUSES, 0) for old in STATUSES}
    changes = dict.fromkeys(CHANGES, 0)
    found: dict[str, list[BacktestExample]] = {change: [] for change in CHANGES}
    reason_counts: Counter[str] = Counter()
    flagged = 0
    for record in sorted(records, key=lambda r: (r.created_at, r.id)):
        history = AuthorHistory(
            account_created_at=record.account_created_at,
            approved_on_site=record.approved_on_site,
            recent_on_site=(),
            recent_on_article=(),
            recent_bodies=_recent_bodies(recent, record, window),
        )
        hits = compiled.evaluate(Draft(record.body, record.depth), history, record.created_at)
        decision = decide(rules, hits, record.scores)
        new = decision.status
        matrix[record.original_status][new] += 1
        flagged += decision.flagged
        reason_counts.update({reason.code for reason in decision.reasons})
        change = _change(record.moderator_decision, new)
        if change is None:
            continue
        changes[change] += 1
        if len(found[change]) < examples:
            found[change].append(
                BacktestExample(
                    id=record.id,
                    excerpt=_excerpt(record.body),
                    old_status=record.original_status,
                    new_status=new,
                    moderator_decision=record.moderator_decision,
                    reasons=decision.reasons,
                )
            )
    return BacktestReport(
        total=sum(sum(row.values()) for row in matrix.values()),
        actual={old: sum(row.values()) for old, row in matrix.items()},
        would_be={new: sum(row[new] for row in matrix.values()) for new in STATUSES},
        matrix=matrix,
        would_be_flagged=flagged,
        changed=sum(count for old, row in matrix.items() for new, count in row.items() if old != new),
        reason_counts=dict(sorted(reason_counts.items())),
        examples=found,
        **changes,
    )


def _recent_bodies(
    recent: dict[str, deque[tuple[str, datetime]]], record: BacktestRecord, window: timedelta
) -> tuple[tuple[str, datetime], ...]:
    """The author's bodies within the duplicate window before this record; remembers this one."""
    if record.author_id is None or not window:
        return ()
    bodies = recent.setdefault(record.author_id, deque())
    while bodies and bodies[0][1] < record.created_at - window:
        bodies.popleft()
    before = tuple(bodies)
    bodies.append((record.body, record.created_at))
    return before


def _change(moderator_decision: ModeratorDecision | None, new: Status) -> str | None:
    if moderator_decision == "approved" and new != "published":
        return f"approved_now_{new}"
    if moderator_decision == "rejected" and new == "published":
        return "rejected_now_published"
    return None


_SPACES = re.compile(r"\s+")


def _excerpt(body: str, limit: int = 140) -> str:
    text = _SPACES.sub(" ", body).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
