"""Moderation: reader reports, moderators' claims on queue items, and per-site webhooks with their
delivery log (an outbox: deliveries are written in the transaction of the event they announce)."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from comments.db.base import OutboxRow, UUIDv7AuditBase, str_enum
from comments.db.comments import Comment

# Flagged (published but listed for moderators) comments are a sliver of a site's comments: a partial
# index lets the moderation queue find them without scanning every published comment of the site. It
# has the same columns as ix_comment_site_status_created so that planners without statistics (SQLite
# never gathers any by itself) still prefer the smaller, partial one.
Index(
    "ix_comment_flagged_site_status_created",
    Comment.site_id,
    Comment.status,
    Comment.created_at,
    sqlite_where=Comment.flagged == true(),
    postgresql_where=Comment.flagged == true(),
)


class Report(UUIDv7AuditBase):
    """A reader's report of a published comment. Open until a moderator decides on the comment."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id"),  # once per reader per comment
        Index("ix_report_site_open_comment", "site_id", "resolved_at", "comment_id"),
        Index("ix_report_reporter_created", "reporter_id", "created_at"),
    )

    comment_id: Mapped[UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    reporter_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Set when a moderator decides on the comment: later reports start a new count."""


class Claim(UUIDv7AuditBase):
    """A moderator working a queue item for a few minutes, so that others leave it alone."""

    __tablename__ = "claim"

    comment_id: Mapped[UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Webhook(UUIDv7AuditBase):
    """A publisher's endpoint for a site's moderation events, signed with its own secret."""

    __tablename__ = "webhook"

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    """Kept in clear: HMAC needs it. Shown to the admin once, when created or rotated."""
    events: Mapped[list[str]] = mapped_column(JsonB, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Gave up after the last retry (an admin may retry it by hand)."""


class WebhookDelivery(OutboxRow, UUIDv7AuditBase):
    """One event for one webhook: the exact body that is signed and sent, and how sending went."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook_created", "webhook_id", "created_at"),
    )

    webhook_id: Mapped[UUID] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
