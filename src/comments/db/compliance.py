"""EU Digital Services Act records: notices of illegal content (Art. 16), statements of reasons (Art. 17,
immutable: triggers refuse UPDATE and DELETE), appeals (Art. 20), suspensions of notifiers who misuse the
notice form (Art. 23), and the messages sent to authors and notifiers."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comments.db.audit import AuditEntry
from comments.db.base import UUIDv7AuditBase


class Notice(UUIDv7AuditBase):
    """A notice that a comment is illegal, from anyone (logged in or not)."""

    __tablename__ = "dsa_notice"
    __table_args__ = (
        Index("ix_dsa_notice_site_status_created", "site_id", "status", "created_at"),
        Index("ix_dsa_notice_address_created", "address_hash", "created_at"),
        Index("ix_dsa_notice_comment", "comment_id"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id"))
    comment_id: Mapped[UUID] = mapped_column(ForeignKey("comment.id"))
    category: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str] = mapped_column(Text)
    legal_ground: Mapped[str] = mapped_column(String(1000))
    reporter_name: Mapped[str | None] = mapped_column(String(200), default=None)
    reporter_email: Mapped[str | None] = mapped_column(String(320), default=None)
    reporter_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    address_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the sender's address: the rate limit and misuse checks, without keeping the address."""
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open | decided"""
    action: Mapped[str | None] = mapped_column(String(16), default=None)
    """remove | restrict | keep"""
    ground: Mapped[str | None] = mapped_column(String(16), default=None)
    """illegal | terms | not_illegal"""
    decision_explanation: Mapped[str | None] = mapped_column(Text, default=None)
    legal_reference: Mapped[str | None] = mapped_column(String(500), default=None)
    manifestly_unfounded: Mapped[bool] = mapped_column(default=False)
    decided_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class StatementOfReasons(UUIDv7AuditBase):
    """Why content was removed or restricted or an account suspended, as its recipient is told. Written
    once, in the transaction of the decision (from its audit entry), never changed."""

    __tablename__ = "dsa_statement"
    __table_args__ = (
        Index("ix_dsa_statement_site_created", "site_id", "created_at"),
        Index("ix_dsa_statement_user_created", "user_id", "created_at"),
        Index("ix_dsa_statement_comment", "comment_id"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id"))
    audit_entry_id: Mapped[UUID | None] = mapped_column(ForeignKey("audit_entry.id"), unique=True, default=None)
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    """The recipient: the comment's author or the sanctioned reader (None for a notifier without account)."""
    recipient_email: Mapped[str | None] = mapped_column(String(320), default=None)
    comment_id: Mapped[UUID | None] = mapped_column(ForeignKey("comment.id"), default=None)
    notice_id: Mapped[UUID | None] = mapped_column(ForeignKey("dsa_notice.id"), default=None)
    sanction_id: Mapped[UUID | None] = mapped_column(ForeignKey("sanction.id"), default=None)
    notifier_suspension_id: Mapped[UUID | None] = mapped_column(ForeignKey("dsa_notifier_suspension.id"), default=None)
    decision: Mapped[str] = mapped_column(String(32))
    """removal | restriction | suspension | ban | notice_suspension"""
    scope: Mapped[str] = mapped_column(String(500))
    facts: Mapped[str] = mapped_column(Text)
    ground: Mapped[str] = mapped_column(String(8))
    """law | terms"""
    legal_reference: Mapped[str | None] = mapped_column(String(500), default=None)
    terms_rule: Mapped[str | None] = mapped_column(String(200), default=None)
    explanation: Mapped[str | None] = mapped_column(Text, default=None)
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    eu_category: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))
    """notice | report | own_initiative"""
    automated_detection: Mapped[bool]
    automated_decision: Mapped[bool]
    decided_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    """None when no person decided (the pipeline, a report threshold)."""
    content_date: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    audit_entry: Mapped[AuditEntry | None] = relationship(lazy="noload")
    """Only so that a flush inserts the entry before its statement (both are new in the same flush)."""


class Appeal(UUIDv7AuditBase):
    """A complaint against a statement's decision (Art. 20): one per statement, decided by a person."""

    __tablename__ = "dsa_appeal"
    __table_args__ = (Index("ix_dsa_appeal_site_status_created", "site_id", "status", "created_at"),)

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id"))
    statement_id: Mapped[UUID] = mapped_column(ForeignKey("dsa_statement.id"), unique=True)
    appellant_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open | decided"""
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    """upheld | reversed"""
    decision_explanation: Mapped[str | None] = mapped_column(Text, default=None)
    decided_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class NotifierSuspension(UUIDv7AuditBase):
    """A notifier who often sent manifestly unfounded notices may not send notices to a site until `until`
    (Art. 23(2)). Matched by account, email or address hash, whichever the notices had."""

    __tablename__ = "dsa_notifier_suspension"
    __table_args__ = (
        Index("ix_dsa_notifier_suspension_site_address", "site_id", "address_hash"),
        Index("ix_dsa_notifier_suspension_site_email", "site_id", "reporter_email"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id"))
    reporter_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    reporter_email: Mapped[str | None] = mapped_column(String(320), default=None)
    address_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    until: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    unfounded_notices: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ComplianceMessage(UUIDv7AuditBase):
    """A message to an author or a notifier (receipt, decision, appeal outcome). The outbox until the mail
    component lands: see comments.domain.compliance.messages.send."""

    __tablename__ = "dsa_message"
    __table_args__ = (Index("ix_dsa_message_site_created", "site_id", "created_at"),)

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id"))
    to_user_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    to_email: Mapped[str | None] = mapped_column(String(320), default=None)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    notice_id: Mapped[UUID | None] = mapped_column(ForeignKey("dsa_notice.id"), default=None)
    statement_id: Mapped[UUID | None] = mapped_column(ForeignKey("dsa_statement.id"), default=None)
    appeal_id: Mapped[UUID | None] = mapped_column(ForeignKey("dsa_appeal.id"), default=None)

    statement: Mapped[StatementOfReasons | None] = relationship(lazy="noload")
    """Only so that a flush inserts the statement before its message."""
