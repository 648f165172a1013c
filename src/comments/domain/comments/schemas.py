from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from comments.domain.comments.reasons import ReasonCode

# Generous transport cap; the site's rules set the real limit (default 5000 characters, 413 beyond it).
RawBody = Annotated[str, msgspec.Meta(max_length=50_000)]


class CommentCreate(msgspec.Struct, forbid_unknown_fields=True):
    body: RawBody
    parent_id: UUID | None = None


class CommentUpdate(msgspec.Struct, forbid_unknown_fields=True):
    body: RawBody


class Reason(msgspec.Struct):
    """Why a comment was held, rejected or flagged, in words for its author."""

    code: str
    action: str
    message: str


class Author(msgspec.Struct):
    id: UUID
    display_name: str | None
    deleted_account: bool = False
    """The author deleted their account: show "deleted account" (the name is gone)."""


class Comment(msgspec.Struct):
    id: UUID
    article: str
    parent_id: UUID | None
    depth: int
    author: Author | None
    """Null for removed comments."""
    body: str | None
    """Null for removed comments (shown as 'comment removed' to keep the thread's shape)."""
    status: Literal["published", "held", "rejected", "deleted"]
    created_at: datetime
    edited_at: datetime | None
    is_own: bool
    editable_until: datetime | None
    """Set on the caller's own comments while they may still edit them."""
    reasons: list[Reason]
    """Only on the caller's own comments."""
    replies: list[Comment] = []
    reply_count: int = 0
    more_replies: bool = False
    """More replies than shown: fetch them from /api/v1/comments/{id}/replies."""


class PostOutcome(msgspec.Struct):
    id: UUID
    status: Literal["published", "held", "rejected"]
    message: str
    reasons: list[Reason]
    comment: Comment


class ThreadPage(msgspec.Struct):
    article: str
    sort: Literal["newest", "oldest"]
    items: list[Comment]
    next_cursor: str | None
    total: int
    """Published comments in the whole thread (replies included)."""


class RepliesPage(msgspec.Struct):
    root_id: UUID
    items: list[Comment]
    next_cursor: str | None


def to_json(value: Any) -> Any:
    return msgspec.to_builtins(value)


# reports


class ReportCreate(msgspec.Struct, forbid_unknown_fields=True):
    reason: ReasonCode
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class ReportReceipt(msgspec.Struct):
    id: UUID
    comment_id: UUID
    reason: str
    note: str | None
    created_at: datetime
