from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

Event = Literal["comment.held", "comment.published", "comment.rejected", "comment.reported"]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Description = Annotated[str, msgspec.Meta(max_length=200)]


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    events: Annotated[list[Event], msgspec.Meta(min_length=1)]
    description: Description = ""
    active: bool = True


class WebhookUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change. `rotate_secret` makes a new secret (shown once in the answer)."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    events: Annotated[list[Event], msgspec.Meta(min_length=1)] | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    rotate_secret: bool = False


class Webhook(msgspec.Struct):
    id: UUID
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime
    secret: str | None = None
    """Only when the webhook is created or its secret rotated: store it, it is not shown again."""


class WebhookList(msgspec.Struct):
    items: list[Webhook]


class Delivery(msgspec.Struct):
    id: UUID
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    """When the next try happens (pending deliveries only)."""
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    body: str
    """The exact bytes that are signed and sent."""


class DeliveryPage(msgspec.Struct):
    items: list[Delivery]
    next_cursor: str | None
