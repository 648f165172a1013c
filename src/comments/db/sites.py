from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comments.db.base import UUIDv7AuditBase, str_enum


class Site(UUIDv7AuditBase):
    """A tenant: one publisher's site, with its own rules, origins and key."""

    __tablename__ = "site"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list[str]] = mapped_column(JsonB, default=list)
    site_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    """The rule set document (see domain.rules.schema); {} means all defaults."""
    rules_version: Mapped[int] = mapped_column(default=1)
    """The rule set document's version: bumped on every change (the guidelines readers accept carry
    their own version inside the document)."""
    auto_create_articles: Mapped[bool] = mapped_column(default=True)
    """The widget may create an article on first load from an allowed origin."""
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    """BCP 47 language of the site's readers (mails are written in it where a translation exists)."""
    sso_secret: Mapped[str | None] = mapped_column(String(400), default=None)
    """The HS256 single-sign-on secret, encrypted (Fernet, key derived from COMMENTS_SECRET_KEY):
    verifying HS256 needs the secret itself, so a hash cannot do."""
    sso_jwks_url: Mapped[str | None] = mapped_column(String(2000), default=None)
    """Or: the publisher's JWKS URL, for RS256/ES256 tokens signed with its own key."""


class Article(UUIDv7AuditBase):
    """A thread: keyed by (site, the publisher's article id)."""

    __tablename__ = "article"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    title: Mapped[str | None] = mapped_column(String(500), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    first_comment_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    rules_override: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Bumped by database triggers in the transaction of every change to one of its comments (and of a
    commenter's display name): read caches key pages by it (migration 6c073b63007d)."""
    published_count: Mapped[int] = mapped_column(default=0, server_default="0")
    """Its published comments, kept exact by the same triggers (counts and thread totals read it)."""


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


class Membership(UUIDv7AuditBase):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))


class SanctionKind(enum.StrEnum):
    WARN = "warn"
    SUSPEND = "suspend"
    BAN = "ban"


class Sanction(UUIDv7AuditBase):
    """A moderator's sanction of a reader on one site; enforced by the posting gate."""

    __tablename__ = "sanction"
    __table_args__ = (Index("ix_sanction_user_site", "user_id", "site_id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    kind: Mapped[SanctionKind] = mapped_column(str_enum(SanctionKind))
    reason: Mapped[str] = mapped_column(String(500), default="")
    until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Suspensions end then; None for bans (and warnings, which end when acknowledged)."""
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
