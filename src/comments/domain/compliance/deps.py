"""Providers for the compliance package's services."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency, Provide

from comments.domain.compliance.appeals import AppealService, StatementService
from comments.domain.compliance.notices import NoticeService
from comments.domain.compliance.transparency import TransparencyService

Notices = NamedDependency[NoticeService]
Statements = NamedDependency[StatementService]
Appeals = NamedDependency[AppealService]
Transparency = NamedDependency[TransparencyService]

SERVICES = {
    "notices_service": NoticeService,
    "statements_service": StatementService,
    "appeals_service": AppealService,
    "transparency_service": TransparencyService,
}


def dependencies() -> dict[str, Any]:
    return {name: Provide(create_service_provider(service)) for name, service in SERVICES.items()}
