from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from comments.db.base import UUIDv7AuditBase, str_enum


class CommentStatus(enum.StrEnum):
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"
    DELETED = "deleted"


class Comment(UUIDv7AuditBase):
    __tablename__ = "comment"
    __table_args__ = (
        # Thread pages: top-level comments of an article by time; replies by root.
        Index("ix_comment_article_parent_created", "article_id", "parent_id", "created_at", "id"),
        # Thread pages: top-level comments in keyset order. PostgreSQL does not take `parent_id IS NULL`
        # as an equality for ordering, so the index above would make it sort the whole thread.
        Index(
            "ix_comment_article_top_created",
            "article_id",
            "created_at",
            "id",
            postgresql_where=text("parent_id IS NULL"),
            sqlite_where=text("parent_id IS NULL"),
        ),
        Index("ix_comment_article_status", "article_id", "status"),
        Index("ix_comment_root_created", "root_id", "created_at", "id"),
        # Rate limits, duplicates and author history on a site.
        Index("ix_comment_author_site_created", "author_id", "site_id", "created_at"),
        # A logged-in reader's own rows in one thread (held and rejected ones merged into the page).
        Index("ix_comment_author_article_created", "author_id", "article_id", "created_at"),
        Index("ix_comment_site_status_created", "site_id", "status", "created_at"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    article_id: Mapped[UUID] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    author_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    parent_id: Mapped[UUID | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), default=None)
    root_id: Mapped[UUID | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), default=None)
    """The top-level comment this reply hangs under (None for top-level comments)."""
    depth: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(str_enum(CommentStatus))
    auto_status: Mapped[CommentStatus | None] = mapped_column(str_enum(CommentStatus), default=None)
    """What the pipeline decided when the comment was posted or last edited, before any moderator acted
    (the backtest compares proposed rules with it)."""
    flagged: Mapped[bool] = mapped_column(default=False)
    """Published, but a rule asked for a moderator to look at it."""
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    scores: Mapped[dict[str, float] | None] = mapped_column(JsonB, default=None)
    model: Mapped[str | None] = mapped_column(String(100), default=None)
    spans: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonB, default=None)
    """Why the model held (or rejected) it: [{start, end, label, score}], character offsets into `body`.
    Only for comments a toxicity threshold held or rejected; recomputed (or dropped) when the body changes."""
    edited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(default=1)
    """Bumped on every state change, so moderators can detect a stale view."""


class IdempotencyRecord(UUIDv7AuditBase):
    """The first answer to a POST with an Idempotency-Key, stored in the same transaction as its effect."""

    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ux_idempotency_user_key", "user_id", "key", unique=True),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(default=201)
    """Kept for rows written before the answer was typed; every stored answer is PostComment's 201."""
    response: Mapped[dict[str, Any]] = mapped_column(JsonB)
    """The PostOutcome, as JSON (msgspec.to_builtins); replays decode it back into a PostOutcome."""
