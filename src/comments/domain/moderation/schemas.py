"""What the moderation API reads and answers (msgspec structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from comments.domain.comments.reasons import ReasonCode

Note = Annotated[str, msgspec.Meta(max_length=2000)]
Status = Literal["published", "held", "rejected", "deleted"]
Action = Literal["approve", "reject"]
RoleName = Literal["moderator", "admin"]
SanctionKindName = Literal["warn", "suspend", "ban"]

# queue


class ArticleRef(msgspec.Struct):
    id: str
    """The publisher's article id."""
    title: str | None
    url: str | None


class ParentRef(msgspec.Struct):
    """The comment this one replies to, for context."""

    id: UUID
    status: Status
    body: str | None
    author_name: str | None


class AuthorCounts(msgspec.Struct):
    published: int
    held: int
    rejected: int


class SanctionBrief(msgspec.Struct):
    id: UUID
    kind: SanctionKindName
    reason: str
    until: datetime | None
    created_at: datetime


class AuthorInfo(msgspec.Struct):
    id: UUID
    display_name: str | None
    account_created_at: datetime
    account_age_days: int
    counts: AuthorCounts
    """Their comments on this site, by status."""
    active_sanctions: list[SanctionBrief]


class ReportView(msgspec.Struct):
    reporter_id: UUID
    reason: str
    note: str | None
    created_at: datetime


class ClaimView(msgspec.Struct):
    comment_id: UUID
    moderator_id: UUID
    moderator_name: str | None
    expires_at: datetime
    mine: bool


class QueueComment(msgspec.Struct):
    id: UUID
    body: str
    status: Status
    version: int
    """Send it back with a decision: a changed comment answers 409 instead of being overwritten."""
    flagged: bool
    depth: int
    parent_id: UUID | None
    created_at: datetime
    edited_at: datetime | None


class SpanView(msgspec.Struct):
    start: int
    end: int
    """`comment.body[start:end]` (Python string indices: code points, not UTF-16 units)."""
    label: str
    score: float


class QueueItem(msgspec.Struct):
    comment: QueueComment
    why: list[Literal["held", "reported", "flagged"]]
    article: ArticleRef
    parent: ParentRef | None
    author: AuthorInfo
    scores: dict[str, float] | None
    """The toxicity model's score per label (null when it could not score the comment)."""
    model: str | None
    reasons: list[dict[str, Any]]
    """Rule hits and toxicity reasons as the pipeline stored them: {code, action, message, detail}."""
    spans: list[SpanView] | None
    """Why the model held (or rejected) it: the words that drove its scores, character offsets into
    `comment.body`; null when no toxicity threshold held it (or the model could not say)."""
    open_reports: int
    reports: list[ReportView]
    """Reports not yet resolved by a decision, oldest first."""
    claim: ClaimView | None
    """Set while a moderator has claimed the comment (their claim has not expired)."""


class QueuePage(msgspec.Struct):
    items: list[QueueItem]
    next_cursor: str | None
    sort: str


class QueueCounts(msgspec.Struct):
    total: int
    held: int
    reported: int
    flagged: int
    by_reason: dict[str, int]
    """Queue items per reason code (an item with two reasons counts under both)."""


# claims and decisions


class ClaimCreate(msgspec.Struct, forbid_unknown_fields=True):
    minutes: Annotated[int, msgspec.Meta(ge=1, le=30)] = 5


class DecisionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a moderator decides, on one comment or on a bulk of them."""

    action: Action
    reason_code: ReasonCode | None = None
    """Required to reject; `other` needs a note."""
    note: Note | None = None
    """For the audit log; the author only sees the reason."""


class DecisionCreate(DecisionBody, kw_only=True):
    version: Annotated[int, msgspec.Meta(ge=1)]
    """The comment's version when you loaded it."""


class CommentState(msgspec.Struct):
    id: UUID
    status: Status
    version: int
    flagged: bool
    open_reports: int


class DecisionOutcome(msgspec.Struct):
    action: Action
    changed: bool
    """False when the comment already was as decided (a retried request changes nothing twice)."""
    comment: CommentState


class BulkItem(msgspec.Struct, forbid_unknown_fields=True):
    id: UUID
    version: Annotated[int, msgspec.Meta(ge=1)]


class BulkDecisionCreate(DecisionBody, kw_only=True):
    items: Annotated[list[BulkItem], msgspec.Meta(min_length=1, max_length=100)]


class BulkResult(msgspec.Struct):
    id: UUID
    ok: bool
    status: int
    """The HTTP status this item would have had on its own (200, 404, 409, 422)."""
    changed: bool = False
    problem: str | None = None
    """Problem type for a failed item, e.g. /problems/stale-decision."""
    detail: str | None = None
    comment: CommentState | None = None


class BulkOutcome(msgspec.Struct):
    decided: int
    results: list[BulkResult]


# sanctions


class SanctionCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: SanctionKindName
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    """Shown to the reader."""
    until: datetime | None = None
    """Suspensions: when it ends (or give duration_hours)."""
    duration_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 366)] | None = None
    reject_held: bool = False
    """Also reject every comment of theirs that waits in this site's queue."""
    reject_reason_code: ReasonCode = "other"


class Sanction(msgspec.Struct):
    id: UUID
    user_id: UUID
    site: str
    kind: SanctionKindName
    reason: str
    until: datetime | None
    acknowledged_at: datetime | None
    lifted_at: datetime | None
    created_by: UUID | None
    created_at: datetime
    active: bool
    rejected_comments: int = 0
    """How many held comments were rejected with it (reject_held)."""


class SanctionList(msgspec.Struct):
    items: list[Sanction]


class SanctionLift(msgspec.Struct, forbid_unknown_fields=True):
    note: Note | None = None


class MySanction(msgspec.Struct):
    """A sanction as the sanctioned reader sees it."""

    id: UUID
    site: str
    kind: SanctionKindName
    reason: str
    until: datetime | None
    created_at: datetime
    acknowledged_at: datetime | None
    active: bool
    needs_acknowledgement: bool
    """A warning: acknowledge it (POST .../acknowledge) to comment again."""


class MySanctionList(msgspec.Struct):
    items: list[MySanction]


# stats


class DepthPoint(msgspec.Struct):
    at: datetime
    depth: int


class DecisionCount(msgspec.Struct):
    action: str
    reason_code: str | None
    count: int


class TimeToDecision(msgspec.Struct):
    decisions: int
    median_seconds: float | None
    p90_seconds: float | None


class LabelQuality(msgspec.Struct):
    """How well the model's auto-holds for one label match what moderators decided."""

    label: str
    auto_held_decided: int
    auto_held_rejected: int
    precision: float | None
    """auto_held_rejected / auto_held_decided: of comments held for this label, the share moderators rejected."""
    moderator_rejected: int
    model_flagged: int
    recall: float | None
    """model_flagged / moderator_rejected: of comments moderators rejected, the share the model had flagged."""


class Stats(msgspec.Struct):
    since: datetime
    until: datetime
    bucket: Literal["hour", "day"]
    queue_depth: int
    depth_over_time: list[DepthPoint]
    """Queue depth at the end of each bucket (reconstructed from decisions and what is queued now)."""
    time_to_decision: TimeToDecision
    decisions_by_reason: list[DecisionCount]
    labels: list[LabelQuality]
