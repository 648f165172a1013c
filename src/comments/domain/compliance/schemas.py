"""What the DSA routes read and answer (msgspec structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from comments.domain.compliance.categories import NoticeCategory

Text = Annotated[str, msgspec.Meta(max_length=5000)]
NoticeAction = Literal["remove", "restrict", "keep"]
NoticeGround = Literal["illegal", "terms", "not_illegal"]
Decision = Literal["removal", "restriction", "suspension", "ban", "notice_suspension"]


class NoticeCreate(msgspec.Struct, forbid_unknown_fields=True):
    comment_id: UUID
    category: NoticeCategory
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    """Why the notifier believes the comment is illegal (Art. 16(2)(a))."""
    legal_ground: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    """The law it breaks, as the notifier understands it."""
    bona_fide: bool = False
    """The notifier's statement that the notice is accurate and complete (Art. 16(2)(d)): must be true."""
    reporter_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    reporter_email: Annotated[str, msgspec.Meta(max_length=320)] | None = None


class NoticeReceipt(msgspec.Struct):
    id: UUID
    status: str
    received_at: datetime
    message: str


class CommentBrief(msgspec.Struct):
    id: UUID
    status: str
    body: str
    author_id: UUID
    created_at: datetime


class Notice(msgspec.Struct):
    id: UUID
    site: str
    comment: CommentBrief
    category: str
    category_label: str
    explanation: str
    legal_ground: str
    reporter_name: str | None
    reporter_email: str | None
    reporter_id: UUID | None
    received_at: datetime
    seconds_since_receipt: int
    status: str
    action: str | None
    ground: str | None
    decision_explanation: str | None
    legal_reference: str | None
    manifestly_unfounded: bool
    decided_by: UUID | None
    decided_at: datetime | None
    notifier_unfounded_notices: int
    """Manifestly unfounded notices from the same notifier on this site in the last 12 months (Art. 23)."""
    statement_id: UUID | None = None


class NoticeList(msgspec.Struct):
    items: list[Notice]
    total: int


class NoticeDecisionCreate(msgspec.Struct, forbid_unknown_fields=True):
    action: NoticeAction
    ground: NoticeGround
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    legal_reference: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    manifestly_unfounded: bool = False


class AppealRoute(msgspec.Struct):
    available: bool
    deadline: datetime
    how: str


class Redress(msgspec.Struct):
    appeal: AppealRoute
    out_of_court: str
    courts: str


class AppealBrief(msgspec.Struct):
    id: UUID
    status: str
    outcome: str | None
    explanation: str
    decision_explanation: str | None
    received_at: datetime
    decided_at: datetime | None


class StatementOfReasons(msgspec.Struct):
    id: UUID
    site: str
    decision: Decision
    summary: str
    scope: str
    facts: str
    ground: Literal["law", "terms"]
    legal_reference: str | None
    terms_rule: str | None
    explanation: str | None
    category: str | None
    category_label: str | None
    source: str
    automated_detection: bool
    """The content was detected by automated means (the model or the posting rules)."""
    automated_decision: bool
    """No person took the decision (the pipeline, a report threshold)."""
    decided_at: datetime
    comment_id: UUID | None
    sanction_id: UUID | None
    until: datetime | None
    redress: Redress
    appeal: AppealBrief | None


class StatementList(msgspec.Struct):
    items: list[StatementOfReasons]


class AppealCreate(msgspec.Struct, forbid_unknown_fields=True):
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    comment_id: UUID | None = None
    """Appeal the latest decision on your comment ..."""
    statement_id: UUID | None = None
    """... or the decision of one statement of reasons (a sanction's, say)."""


class Appeal(msgspec.Struct):
    id: UUID
    site: str
    statement: StatementOfReasons
    appellant_id: UUID
    explanation: str
    status: str
    outcome: str | None
    decision_explanation: str | None
    received_at: datetime
    seconds_since_receipt: int
    decided_by: UUID | None
    decided_at: datetime | None
    original_decider: UUID | None
    """Who took the appealed decision: someone else must decide the appeal."""
    comment_body: str | None = None


class AppealList(msgspec.Struct):
    items: list[Appeal]
    total: int


class AppealDecisionCreate(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["upheld", "reversed"]
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class NotifierSuspensionCreate(msgspec.Struct, forbid_unknown_fields=True):
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 30


class NotifierSuspension(msgspec.Struct):
    id: UUID
    site: str
    until: datetime
    unfounded_notices: int
    statement_id: UUID
