"""Providers for the sites package's services."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency, Provide

from comments.deps import DbSession
from comments.domain.sites.members import MemberService
from comments.domain.sites.services import SiteService


async def provide_sites_service(db_session: DbSession) -> SiteService:
    return SiteService(session=db_session)


Sites = NamedDependency[SiteService]
Members = NamedDependency[MemberService]


def dependencies() -> dict[str, Any]:
    return {
        "sites_service": Provide(provide_sites_service),
        "members_service": Provide(create_service_provider(MemberService)),
    }
