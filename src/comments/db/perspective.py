"""The Perspective-compatible API's tables: API keys (hashed, with their usage counters and rate window) and the
moderator feedback that clients send through comments:suggestscore."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from comments.db.base import UUIDv7AuditBase


class PerspectiveKey(UUIDv7AuditBase):
    """An API key for /perspective/v1alpha1: only its SHA-256 is stored.

    The rate window and the usage counters live on the key's row, so that one UPDATE ... RETURNING checks
    the key, counts the request and tells whether it is over the key's qps, consistently across processes.
    """

    __tablename__ = "perspective_key"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    qps: Mapped[int] = mapped_column(default=10)
    """Requests per second allowed (a fixed one-second window, counted in the database)."""
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    window_start: Mapped[int] = mapped_column(BigInteger, default=0)
    """The Unix second the current rate window counts."""
    window_count: Mapped[int] = mapped_column(default=0)
    analyze_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    suggest_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    limited_requests: Mapped[int] = mapped_column(BigInteger, default=0)
    """Requests refused with 429 (also counted in analyze/suggest_requests)."""


class PerspectiveFeedback(UUIDv7AuditBase):
    """One attribute score a client suggested for a comment (a moderator's decision, in Coral's case).

    Holds the text only when the client allowed storage (`doNotStore: false`), otherwise its SHA-256, and
    nothing about the text at all (no hash, no model score) when it sent `doNotStore: true`.
    """

    __tablename__ = "perspective_feedback"
    __table_args__ = (Index("ix_perspective_feedback_key_created", "key_id", "created_at"),)

    key_id: Mapped[UUID] = mapped_column(ForeignKey("perspective_key.id", ondelete="CASCADE"))
    attribute: Mapped[str] = mapped_column(String(64))
    """The Perspective attribute (TOXICITY, INSULT, ...); Coral's status-named scores are stored as TOXICITY."""
    label: Mapped[str | None] = mapped_column(String(64), default=None)
    """The model label the attribute maps to; None for attributes we have no mapping for."""
    value: Mapped[float] = mapped_column(Float)
    """The client's score: 1 = the attribute applies (rejected), 0 = it does not (approved)."""
    model_score: Mapped[float | None] = mapped_column(Float, default=None)
    """Our model's score for `label` when the feedback arrived (None: not scored, or doNotStore)."""
    model_id: Mapped[str | None] = mapped_column(String(100), default=None)
    text_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    text: Mapped[str | None] = mapped_column(Text, default=None)
    community_id: Mapped[str | None] = mapped_column(String(500), default=None)
    client_token: Mapped[str | None] = mapped_column(String(500), default=None)
