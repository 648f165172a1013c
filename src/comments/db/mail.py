"""The mail outbox: one row per mail, written in the transaction of what caused it, sent by the worker."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comments.db.base import OutboxRow, UUIDv7AuditBase, str_enum


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    LOGGED = "logged"
    """No SMTP server configured: written to the log instead (and kept for `comments mail list`)."""
    FAILED = "failed"
    """Gave up after the last retry."""


class MailMessage(OutboxRow, UUIDv7AuditBase):
    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_due", "status", "next_attempt_at"),)

    to_address: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    """Both rendered when queued. Erased once sent over SMTP (they may hold a one-time link)."""
    site_id: Mapped[UUID | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), default=None)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus), default=MailStatus.PENDING)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
