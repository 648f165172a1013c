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

    @classmethod
    def of(cls, user: Any) -> User:
        return cls(id=user.id, email=user.email, is_superadmin=user.is_superadmin, created_at=user.created_at)


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
