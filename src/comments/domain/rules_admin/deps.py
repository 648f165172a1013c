"""Providers for the rules admin API."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency

from comments.deps import service_providers
from comments.domain.rules_admin.services import RulesService

Rules = NamedDependency[RulesService]


def dependencies() -> dict[str, Any]:
    return service_providers(RulesService, scorer="toxicity")
