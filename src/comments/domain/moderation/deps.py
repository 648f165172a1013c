"""Providers for the moderation package's services."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency

from comments.deps import service_providers
from comments.domain.moderation.claims import ClaimService
from comments.domain.moderation.decisions import DecisionService
from comments.domain.moderation.queue import QueueService
from comments.domain.moderation.sanctions import SanctionService
from comments.domain.moderation.stats import ModerationStatsService

Queue = NamedDependency[QueueService]
Claims = NamedDependency[ClaimService]
Decisions = NamedDependency[DecisionService]
Sanctions = NamedDependency[SanctionService]
ModerationStats = NamedDependency[ModerationStatsService]


def dependencies() -> dict[str, Any]:
    return service_providers(QueueService, ClaimService, DecisionService, SanctionService, ModerationStatsService)
