from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from comments.caching import public_cache_control
from comments.deps import PathId, Slug
from comments.domain.accounts.deps import Me
from comments.domain.accounts.services import CurrentUser
from comments.domain.rules.stored import site_rules
from comments.domain.sites import schemas as s
from comments.domain.sites.deps import Members, PathArticle, PathSite, SiteReadsDep, Sites
from comments.domain.sites.roles import requires_site_admin, role_on
from comments.errors import Forbidden, Unauthenticated

SiteKey = Annotated[str | None, HeaderParameter(name="X-Site-Key", max_length=200)]


class Guidelines(msgspec.Struct):
    site: Slug
    version: int
    text: str


class SiteController(Controller):
    path = "/api/v1/sites/{site:str}"
    tags = ["sites"]

    @get("/", operation_id="GetSite")
    async def get_site(self, path_site: PathSite, site_service: Sites) -> s.Site:
        """Public facts about a site: rules version, required personal details, limits."""
        return site_service.public(path_site)

    @get("/guidelines", operation_id="GetGuidelines")
    async def get_guidelines(self, path_site: PathSite) -> Guidelines:
        """The community guidelines readers accept, with their version."""
        guidelines = site_rules(path_site).guidelines
        return Guidelines(site=path_site.slug, version=guidelines.version, text=guidelines.text)

    @get("/counts", operation_id="GetCounts")
    async def get_counts(
        self,
        site: Slug,
        site_reads: SiteReadsDep,
        request: Request[Any, Any, Any],
        articles: Annotated[str, QueryParameter(max_length=20_000)] = "",
    ) -> Response[s.Counts]:
        """Published comment counts for up to 100 article ids (comma separated). The same for every
        caller, so public: shared caches may keep it for max-age seconds."""
        ids = [a for a in (part.strip() for part in articles.split(",")) if a]
        counts = s.Counts(counts=await site_reads.counts(site, ids))
        cache = public_cache_control(request.app.state.settings)
        return Response(counts, headers={"Cache-Control": cache, "Vary": "Authorization"})

    @put("/articles/{article:str}", operation_id="UpsertArticle")
    async def upsert_article(
        self,
        article: Slug,
        data: JSONBody[s.ArticleUpsert],
        path_site: PathSite,
        site_service: Sites,
        site_key: SiteKey = None,
    ) -> Response[s.Article]:
        """Publishers register or update an article with the site key (201 when created). Without a key
        the widget may create it on first load, if the site allows it and the URL is on an allowed origin."""
        article_row, created = await site_service.upsert_article(path_site, article, data, site_key=site_key)
        return Response(
            await site_service.describe_article(path_site, article_row), status_code=201 if created else 200
        )

    @get("/articles/{article:str}", operation_id="GetArticle")
    async def get_article(self, path_site: PathSite, path_article: PathArticle, site_service: Sites) -> s.Article:
        return await site_service.describe_article(path_site, path_article)

    @post("/articles/{article:str}/close", operation_id="CloseThread", status_code=200)
    async def close_thread(
        self, site: Slug, article: Slug, site_service: Sites, request: Request[Any, Any, Any], site_key: SiteKey = None
    ) -> s.Article:
        """Close a thread to new comments (site key, or a moderator of the site)."""
        return await self._set_closed(site, article, site_service, request, site_key, closed=True)

    @post("/articles/{article:str}/reopen", operation_id="ReopenThread", status_code=200)
    async def reopen_thread(
        self, site: Slug, article: Slug, site_service: Sites, request: Request[Any, Any, Any], site_key: SiteKey = None
    ) -> s.Article:
        """Reopen a closed thread (site key, or a moderator of the site)."""
        return await self._set_closed(site, article, site_service, request, site_key, closed=False)

    async def _set_closed(
        self,
        site: Slug,
        article: Slug,
        site_service: Sites,
        request: Request[Any, Any, Any],
        site_key: str | None,
        *,
        closed: bool,
    ) -> s.Article:
        row = await site_service.get_by_slug(site)
        if not site_service.key_matches(row, site_key):
            user = request.user
            if not isinstance(user, CurrentUser):
                raise Unauthenticated("Send the site key (X-Site-Key) or log in as a moderator.")
            if role_on(user, row.id) is None:
                raise Forbidden("Only this site's moderators can close or reopen threads.")
        article_row = await site_service.set_closed(row, article, closed=closed)
        return await site_service.describe_article(row, article_row)


class MemberController(Controller):
    """A site's admins (and superadmins) manage its moderators and admins."""

    path = "/api/v1/sites/{site:str}/members"
    tags = ["moderation"]
    guards = [requires_site_admin]

    @get("/", operation_id="ListMembers")
    async def list_members(self, site: Slug, member_service: Members) -> s.MemberList:
        return await member_service.list_members(site)

    @get("/{user_id:uuid}", operation_id="GetMember")
    async def get_member(self, site: Slug, user_id: PathId, member_service: Members) -> s.Member:
        return await member_service.get_member(site, user_id)

    @put("/{user_id:uuid}", operation_id="PutMember")
    async def put_member(
        self, site: Slug, user_id: PathId, data: JSONBody[s.MemberPut], member_service: Members, current_user: Me
    ) -> s.Member:
        """Make the user a moderator or an admin of the site (admins cannot change their own role)."""
        return await member_service.put_member(site, user_id, data.role, current_user)

    @delete("/{user_id:uuid}", operation_id="DeleteMember", status_code=204)
    async def delete_member(self, site: Slug, user_id: PathId, member_service: Members, current_user: Me) -> None:
        """Take the user's role on the site away."""
        await member_service.delete_member(site, user_id, current_user)
