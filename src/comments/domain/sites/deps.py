"""Providers for the sites package's services, and for the public reads' fronts (this package's and the
comments package's)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.db import Article, Site
from comments.deps import Slug, service_providers
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
PathSite = NamedDependency[Site]
"""The site the `{site}` path segment names (404 if there is none), loaded once for the handler."""
PathArticle = NamedDependency[Article]
"""The article of `{site}` and `{article}` (404 if the site has no such article)."""


async def provide_path_site(site: Slug, site_service: Sites) -> Site:
    return await site_service.get_by_slug(site)


async def provide_path_article(path_site: PathSite, article: Slug, site_service: Sites) -> Article:
    return await site_service.get_article(path_site, article)


def dependencies() -> dict[str, Any]:
    return {
        **service_providers(SiteService, MemberService),
        "site_reads": reads_provider(SiteReads),
        "path_site": Provide(provide_path_site),
        "path_article": Provide(provide_path_article),
    }
