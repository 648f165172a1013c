from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

Url = Annotated[str, msgspec.Meta(max_length=2000)]


class Site(msgspec.Struct):
    """What the widget and publishers need to know about a site (no secrets)."""

    slug: str
    name: str
    rules_version: int
    required_fields: list[str]
    minimum_age: int | None
    guidelines_url: str
    max_body_length: int
    min_body_length: int
    edit_window_seconds: int
    max_reply_depth: int
    auto_create_articles: bool


class ArticleUpsert(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | None = None
    title: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class Article(msgspec.Struct):
    id: UUID
    site: str
    article: str
    url: str | None
    title: str | None
    closed: bool
    closed_at: datetime | None
    closes_at: datetime | None
    """When the thread closes (by hand or by the site's auto-close rule), if it is set to."""
    comment_count: int
    created_at: datetime


class Counts(msgspec.Struct):
    counts: dict[str, int]
    """Published comments per article id; unknown articles count 0."""


# members (site staff)

RoleName = Literal["moderator", "admin"]


class MemberPut(msgspec.Struct, forbid_unknown_fields=True):
    role: RoleName


class Member(msgspec.Struct):
    user_id: UUID
    email: str
    display_name: str | None
    role: RoleName
    since: datetime


class MemberList(msgspec.Struct):
    items: list[Member]
