from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

Email = Annotated[str, msgspec.Meta(max_length=320)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password


class User(msgspec.Struct):
    id: UUID
    email: str
    is_superadmin: bool
    created_at: datetime
    email_verified: bool

    @classmethod
    def of(cls, user: Any) -> User:
        return cls(
            id=user.id,
            email=user.email,
            is_superadmin=user.is_superadmin,
            created_at=user.created_at,
            email_verified=user.email_verified_at is not None,
        )


class Session(msgspec.Struct):
    token: str
    expires_at: datetime
    user: User


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent are changed; null clears an optional field."""

    display_name: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType | None = msgspec.UNSET
    full_name: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType | None = msgspec.UNSET
    country: Annotated[str, msgspec.Meta(max_length=10)] | msgspec.UnsetType | None = msgspec.UNSET
    birth_year: int | msgspec.UnsetType | None = msgspec.UNSET
    accepted_rules_version: int | msgspec.UnsetType | None = msgspec.UNSET
    bio: Annotated[str, msgspec.Meta(max_length=2000)] | msgspec.UnsetType | None = msgspec.UNSET


class Profile(msgspec.Struct):
    display_name: str | None
    full_name: str | None
    country: str | None
    birth_year: int | None
    bio: str | None
    accepted_rules_version: int | None
    """For the site asked about (guidelines are per site); null without ?site=."""


class SiteRole(msgspec.Struct):
    site: str
    role: str


class Me(msgspec.Struct):
    user: User
    profile: Profile
    site: str | None
    profile_complete: bool | None
    """Whether the reader may comment on `site` as far as personal details go (null without ?site=)."""
    missing_fields: list[str]
    under_minimum_age: bool
    minimum_age: int | None
    rules_version: int | None
    roles: list[SiteRole]


Token = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class VerifyEmailBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class ResetRequestBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class ResetPasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    password: Password


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class Accepted(msgspec.Struct):
    message: str


class SessionInfo(msgspec.Struct):
    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    network: str | None
    """Coarse: the /24 (IPv4) or /48 (IPv6) network it was last used from."""
    client: str | None
    """The browser it was opened in (its User-Agent, shortened)."""
    current: bool
    """The session this request was made with."""


class Sessions(msgspec.Struct):
    sessions: list[SessionInfo]


class SsoLoginBody(msgspec.Struct, forbid_unknown_fields=True):
    site: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=8192)]
    """A JWT the publisher's server signed (HS256 with the site's secret, or RS256/ES256 via its JWKS)."""


class AccountDeletion(msgspec.Struct, forbid_unknown_fields=True):
    """Either `password`, or `site` and `sso_token` (a token issued in the last five minutes)."""

    password: Password | None = None
    site: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    sso_token: Annotated[str, msgspec.Meta(min_length=1, max_length=8192)] | None = None

    def __post_init__(self) -> None:
        if self.password is None and (self.site is None or self.sso_token is None):
            raise ValueError("send your password, or site and sso_token")


class EmailChange(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
