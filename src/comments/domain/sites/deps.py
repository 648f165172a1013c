"""Providers for the sites package's services."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import DbSession
from comments.domain.sites.members import MemberService
from comments.domain.sites.reads import SiteReads
from comments.domain.sites.services import SiteService


async def provide_sites_service(db_session: DbSession) -> SiteService:
    return SiteService(session=db_session)


async def provide_site_reads(state: State, request: Request[Any, Any, Any]) -> SiteReads:
    """The public reads' front: no session unless the probe cannot answer (see sites.reads)."""
    return SiteReads(request, state.read_cache, state.probe)


Sites = NamedDependency[SiteService]
SiteReadsDep = NamedDependency[SiteReads]
Members = NamedDependency[MemberService]


def dependencies() -> dict[str, Any]:
    return {
        "sites_service": Provide(provide_sites_service),
        "site_reads": Provide(provide_site_reads),
        "members_service": Provide(create_service_provider(MemberService)),
    }
