from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from comments.db.base import UUIDv7AuditBase


class User(UUIDv7AuditBase):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Normalised (see accounts.emails.normalise_email): unique case-insensitively."""
    password_hash: Mapped[str] = mapped_column(String(255))
    is_superadmin: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """When the reader proved they receive mail at `email` (a verification link, or a publisher's SSO
    token saying so); cleared when the email changes."""
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Set when the reader deleted their account: the row stays as a pseudonymous id (the append-only
    audit log and kept comments point at it), with no email, password, profile or sessions."""

    profile: Mapped[Profile | None] = relationship(
        back_populates="user", lazy="selectin", uselist=False, cascade="all, delete-orphan"
    )


class Profile(UUIDv7AuditBase):
    """Personal details a reader completes before commenting. One per user, shared by every site."""

    __tablename__ = "profile"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(40), default=None)
    display_name_key: Mapped[str | None] = mapped_column(String(40), default=None, unique=True)
    """Case-folded display name: display names are unique across the service (so within every site)."""
    display_name_skeleton: Mapped[str | None] = mapped_column(String(200), default=None, unique=True)
    """UTS #39 skeleton of the display name (accounts.skeletons): no name may look like another's. Unique
    across the service, as display names are (one profile serves every site)."""
    full_name: Mapped[str | None] = mapped_column(String(120), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    birth_year: Mapped[int | None] = mapped_column(default=None)
    bio: Mapped[str | None] = mapped_column(String(500), default=None)

    user: Mapped[User] = relationship(back_populates="profile")


class RulesAcceptance(UUIDv7AuditBase):
    """Which version of a site's community guidelines a reader accepted (guidelines are per site)."""

    __tablename__ = "rules_acceptance"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    version: Mapped[int]


class SessionToken(UUIDv7AuditBase):
    """An opaque bearer token; only its SHA-256 is stored."""

    __tablename__ = "session_token"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Updated at most every few minutes (netaddr.TOUCH_EVERY), not on every request."""
    network: Mapped[str | None] = mapped_column(String(64), default=None)
    """Where it was last used, coarsely: the client's /24 (IPv4) or /48 (IPv6) network, never the address."""
    client: Mapped[str | None] = mapped_column(String(120), default=None)
    """The browser's User-Agent when the session opened, cut short: lets a reader recognise it."""


class LoginFailure(UUIDv7AuditBase):
    """One failed login, kept for the throttle window (in the database so every process sees it)."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_created", "email", "created_at"),
        Index("ix_login_failure_address_created", "client_address", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(320))
    client_address: Mapped[str] = mapped_column(String(64))


class AccountToken(UUIDv7AuditBase):
    """A one-time token mailed to a reader: email verification or password reset. Only its SHA-256 is
    stored; it expires, and using it sets `used_at` (a second use fails)."""

    __tablename__ = "account_token"
    __table_args__ = (Index("ix_account_token_user_purpose_created", "user_id", "purpose", "created_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    """verify_email | reset_password"""
    email: Mapped[str] = mapped_column(String(320))
    """The address it was sent to: verifying proves this address (an email changed since is not verified)."""
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ResetRequest(UUIDv7AuditBase):
    """One password-reset request from a network, kept for the throttle window (known address or not, so
    the throttle says nothing about which addresses have accounts)."""

    __tablename__ = "reset_request"
    __table_args__ = (Index("ix_reset_request_network_created", "network", "created_at"),)

    network: Mapped[str] = mapped_column(String(64))


class SsoIdentity(UUIDv7AuditBase):
    """A publisher's subscriber (the `sub` of its SSO tokens) linked to an account, per site."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("site_id", "subject"),)

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
