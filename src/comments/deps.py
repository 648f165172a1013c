"""Dependency providers: app-wide singletons (settings, password hasher, toxicity runner) and the
per-request services built on advanced-alchemy's request-scoped `db_session`."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.services import UserService
from comments.domain.comments.services import CommentService
from comments.domain.moderation.auditlog import AuditLogService
from comments.domain.moderation.claims import ClaimService
from comments.domain.moderation.decisions import DecisionService
from comments.domain.moderation.members import MemberService
from comments.domain.moderation.queue import QueueService
from comments.domain.moderation.reports import ReportService
from comments.domain.moderation.sanctions import SanctionService
from comments.domain.moderation.stats import ModerationStatsService
from comments.domain.moderation.webhooks.services import WebhookService
from comments.domain.rules.services import RulesService
from comments.domain.sites.services import SiteService


async def provide_settings(state: State) -> Settings:
    return state.settings


async def provide_passwords(state: State) -> Passwords:
    return state.passwords


async def provide_users_service(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    passwords: NamedDependency[Passwords],
) -> UserService:
    return UserService(session=db_session, settings=settings, passwords=passwords)


async def provide_sites_service(db_session: NamedDependency[AsyncSession]) -> SiteService:
    return SiteService(session=db_session)


async def provide_comments_service(db_session: NamedDependency[AsyncSession], state: State) -> CommentService:
    return CommentService(session=db_session, scorer=state.toxicity)


# Handlers declare what they need by name (Litestar 3 drops inferred dependencies).
Users = NamedDependency[UserService]
Sites = NamedDependency[SiteService]
Comments = NamedDependency[CommentService]
Rules = NamedDependency[RulesService]
DbSession = NamedDependency[AsyncSession]
# moderation
Queue = NamedDependency[QueueService]
Claims = NamedDependency[ClaimService]
Decisions = NamedDependency[DecisionService]
Reports = NamedDependency[ReportService]
Sanctions = NamedDependency[SanctionService]
Members = NamedDependency[MemberService]
AuditLog = NamedDependency[AuditLogService]
ModerationStats = NamedDependency[ModerationStatsService]
Webhooks = NamedDependency[WebhookService]

MODERATION_SERVICES = {
    "queue_service": QueueService,
    "claims_service": ClaimService,
    "decisions_service": DecisionService,
    "reports_service": ReportService,
    "sanctions_service": SanctionService,
    "members_service": MemberService,
    "audit_log_service": AuditLogService,
    "moderation_stats_service": ModerationStatsService,
}


async def provide_webhooks_service(
    db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
) -> WebhookService:
    return WebhookService(session=db_session, allow_private_targets=settings.webhook_private_targets)


async def provide_rules_service(db_session: NamedDependency[AsyncSession], state: State) -> RulesService:
    return RulesService(session=db_session, scorer=state.toxicity)


def dependencies() -> dict[str, Any]:
    return {
        "settings": Provide(provide_settings),
        "passwords": Provide(provide_passwords),
        "users_service": Provide(provide_users_service),
        "sites_service": Provide(provide_sites_service),
        "comments_service": Provide(provide_comments_service),
        "rules_service": Provide(provide_rules_service),
        "webhooks_service": Provide(provide_webhooks_service),
        **{name: Provide(create_service_provider(service)) for name, service in MODERATION_SERVICES.items()},
    }
