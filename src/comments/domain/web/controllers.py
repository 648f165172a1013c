"""The pages and scripts people open in a browser: embed.js, the widget (iframe), the demo article,
the moderator and admin pages, and a site's guidelines. Each sets its own security headers (security.py).

The pages are shells: their scripts (web/static) call the public JSON API like any other client.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import File, Redirect, Template
from litestar.status_codes import HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND

from comments.db import Site
from comments.domain.accounts.countries import ISO_3166_ALPHA2
from comments.domain.rules.stored import site_rules
from comments.domain.sites.demo import DEMO_ARTICLE, DEMO_SITE, DEMO_TITLE
from comments.domain.sites.deps import Sites
from comments.domain.sites.services import ARTICLE_ID, SLUG, origin_of
from comments.domain.web.assets import EMBED_JS, EMBED_MAX_AGE
from comments.domain.web.security import COMMON_HEADERS, page_headers

Short = Annotated[str | None, QueryParameter(max_length=64)]

ACCENT = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
THEMES = {"light", "dark", "auto"}
SORTS = {"newest", "oldest"}
COUNTRIES = ",".join(sorted(ISO_3166_ALPHA2))

NO_STORE = "no-store"
REVALIDATE = "no-cache"


def _page(name: str, context: dict[str, Any], *, status: int = 200, **headers: Any) -> Template:
    return Template(
        template_name=name,
        context=context,
        headers=page_headers(**headers),
        media_type="text/html",
        status_code=status,
    )


class WebController(Controller):
    tags = ["web"]
    include_in_schema = False
    opt = {"exclude_from_auth": True}
    """Pages never carry a bearer token; a stray Authorization header must not break them."""

    @get("/", sync_to_thread=False)
    def index(self) -> Redirect:
        return Redirect("/demo")

    @get("/embed.js", sync_to_thread=False)
    def embed_js(self) -> File:
        """The publisher's script: one URL in every article page, so cached an hour, loadable cross-origin."""
        return File(
            EMBED_JS,
            media_type="text/javascript",
            filename="embed.js",
            content_disposition_type="inline",
            headers={
                **COMMON_HEADERS,
                "Cache-Control": f"public, max-age={EMBED_MAX_AGE}",
                "Cross-Origin-Resource-Policy": "cross-origin",
            },
        )

    @get("/widget")
    async def widget(
        self,
        site_service: Sites,
        site: Short = None,
        article: Annotated[str | None, QueryParameter(max_length=200)] = None,
        url: FromQuery[str | None] = None,
        title: FromQuery[str | None] = None,
        origin: Annotated[str | None, QueryParameter(max_length=300)] = None,
        theme: Short = None,
        accent: Short = None,
        sort: Short = None,
    ) -> Template:
        """The comment section in its iframe. Only the site's allowed origins may frame it, and it talks
        (postMessage) only to the parent origin embed.js named, once that origin is one of them."""
        row = await site_service.get_one_or_none(slug=site) if site and SLUG.match(site) else None
        if row is None:
            return _refused("There is no comment section here: the site is unknown.", HTTP_404_NOT_FOUND)
        allowed = list(row.allowed_origins or [])
        if not article or not ARTICLE_ID.match(article):
            return _refused("This page names no valid article.", HTTP_404_NOT_FOUND, row)
        parent = origin_of(origin) if origin else None
        if origin and parent not in allowed:
            return _refused("This site does not allow comments to be shown on this page.", HTTP_403_FORBIDDEN, row)
        context = {
            "site": row,
            "article": article,
            # The API caps these; a page with a long URL or title still gets its comments.
            "url": (url or "")[:2000],
            "title": (title or "")[:500],
            "parent_origin": parent or "",
            "theme": theme if theme in THEMES else "auto",
            "accent": accent if accent and ACCENT.match(accent) else "",
            "sort": sort if sort in SORTS else "newest",
            "countries": COUNTRIES,
        }
        return _page("widget.html", context, frame_ancestors=allowed, cache=REVALIDATE)

    @get("/demo")
    async def demo(self, site_service: Sites) -> Template:
        """A news article with the widget under it, embedded with the publisher's snippet."""
        row = await site_service.get_one_or_none(slug=DEMO_SITE)
        context = {"site": DEMO_SITE, "article": DEMO_ARTICLE, "headline": DEMO_TITLE, "site_exists": row is not None}
        return _page("demo.html", context, frame_self=True, cache=REVALIDATE)

    @get("/moderate", sync_to_thread=False)
    def moderate(self, poll: Annotated[int | None, QueryParameter(ge=500, le=60_000)] = None) -> Template:
        """The moderation queue; `poll` (ms) sets how often it looks for new items (default 5 s)."""
        return _page("moderate.html", {"poll_ms": poll or 5000}, cache=NO_STORE)

    @get("/admin", sync_to_thread=False)
    def admin(self) -> Template:
        return _page("admin.html", {}, cache=NO_STORE)

    @get("/account")
    async def account(self, site_service: Sites, site: Short = None) -> Template:
        """Where the verification and reset mails link to (the token is in the URL's fragment)."""
        row = await site_service.get_one_or_none(slug=site) if site and SLUG.match(site) else None
        return _page("account.html", {"site": row}, cache=NO_STORE)

    @get("/sites/{site:str}/guidelines")
    async def guidelines(self, site: FromPath[str], site_service: Sites) -> Template:
        """The community guidelines as a page readers can open from the widget."""
        row = await site_service.get_one_or_none(slug=site) if SLUG.match(site) else None
        if row is None:
            return _page("message.html", {"message": "There is no such site."}, status=404, cache=REVALIDATE)
        guidelines = site_rules(row).guidelines
        context = {"site": row, "version": guidelines.version, "text": guidelines.text}
        return _page("guidelines.html", context, cache=REVALIDATE)


def _refused(message: str, status: int, site: Site | None = None) -> Template:
    """A widget that cannot be shown. Framing stays limited to the site's origins (none when unknown)."""
    return _page(
        "message.html",
        {"message": message},
        status=status,
        frame_ancestors=list(site.allowed_origins or []) if site else [],
        cache=NO_STORE,
    )
