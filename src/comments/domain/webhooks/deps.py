"""Providers for the webhooks admin API."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency, Provide

from comments.deps import AppSettings, DbSession
from comments.domain.webhooks.services import WebhookService


async def provide_webhooks_service(db_session: DbSession, settings: AppSettings) -> WebhookService:
    return WebhookService(session=db_session, allow_private_targets=settings.webhook_private_targets)


Webhooks = NamedDependency[WebhookService]


def dependencies() -> dict[str, Any]:
    return {"webhooks_service": Provide(provide_webhooks_service)}
