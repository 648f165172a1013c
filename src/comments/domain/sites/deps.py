"""Providers for the sites package's services, and for the public reads' fronts (this package's and the
comments package's)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import service_providers
from comments.domain.sites.members import MemberService
from comments.domain.sites.reads import SiteReads
from comments.domain.sites.services import SiteService


def reads_provider(front: type[SiteReads]) -> Provide:
    """A public reads' front: no session unless the cache and the probe cannot answer (see sites.reads)."""

    async def provide(state: State, request: Request[Any, Any, Any]) -> SiteReads:
        return front(request, state.read_cache, state.probe)

    return Provide(provide)


Sites = NamedDependency[SiteService]
SiteReadsDep = NamedDependency[SiteReads]
Members = NamedDependency[MemberService]


def dependencies() -> dict[str, Any]:
    return {
        **service_providers({"sites_service": SiteService, "members_service": MemberService}),
        "site_reads": reads_provider(SiteReads),
    }
