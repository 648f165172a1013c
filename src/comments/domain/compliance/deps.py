"""Providers for the compliance package's services."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency

from comments.deps import service_providers
from comments.domain.compliance.appeals import AppealService, StatementService
from comments.domain.compliance.notices import NoticeService
from comments.domain.compliance.transparency import TransparencyService

Notices = NamedDependency[NoticeService]
Statements = NamedDependency[StatementService]
Appeals = NamedDependency[AppealService]
Transparency = NamedDependency[TransparencyService]


def dependencies() -> dict[str, Any]:
    return service_providers(NoticeService, StatementService, AppealService, TransparencyService)
