"""Providers for the webhooks admin API."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency

from comments.deps import service_providers
from comments.domain.webhooks.services import WebhookService

Webhooks = NamedDependency[WebhookService]


def dependencies() -> dict[str, Any]:
    return service_providers(WebhookService, allow_private_targets="settings.webhook_private_targets")
