"""Sites (tenants), their keys and origins, articles (threads) and memberships."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, select

from comments.clock import utcnow
from comments.db import Article, Site
from comments.db.lookups import site_by_slug
from comments.db.service import Service
from comments.domain.accounts.tokens import new_token, token_hash
from comments.domain.rules.stored import article_rules, site_rules, thread_closes_at
from comments.domain.sites import schemas as s
from comments.errors import Forbidden, InvalidInput, NoSuchArticle, NoSuchSite, NotFound

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
ARTICLE_ID = re.compile(r"^[A-Za-z0-9._~:-]{1,200}$")
MAX_COUNT_ARTICLES = 100

# The public read path's first (and, on a cache hit, only) statement: the site and the article by their
# unique keys, with the article's version. Built once.
ARTICLE_REF = (
    select(Site.id, Article.id, Article.version)
    .outerjoin(Article, and_(Article.site_id == Site.id, Article.external_id == bindparam("article")))
    .where(Site.slug == bindparam("slug"))
)
COUNT_REFS = (
    select(Site.id, Article.external_id, Article.id, Article.published_count)
    .outerjoin(
        Article,
        and_(Article.site_id == Site.id, Article.external_id.in_(bindparam("articles", expanding=True))),
    )
    .where(Site.slug == bindparam("slug"))
)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What a public read needs to know about an article: its id and the version of what it shows."""

    id: UUID
    external_id: str
    version: int


def _found(row: Row[Any] | None, slug: str, article: str) -> Row[Any]:
    """A (site, article, ...) lookup's row: no row means no such site, no article in it no such article."""
    if row is None:
        raise NoSuchSite(slug)
    if row[1] is None:
        raise NoSuchArticle(article, slug)
    return row


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, lower-cased; None when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def check_article_id(article: str) -> None:
    if not ARTICLE_ID.match(article):
        raise InvalidInput(
            "Article ids use 1-200 letters, digits and . _ ~ : -",
            errors=[{"pointer": "/article", "message": "Use 1-200 letters, digits and . _ ~ : -"}],
        )


class SiteService(Service[Site]):
    model_type = Site

    async def get_by_slug(self, slug: str) -> Site:
        return await site_by_slug(self.session, slug)

    async def create_site(
        self, slug: str, name: str, origins: list[str], *, rules: dict[str, Any] | None = None
    ) -> tuple[Site, str]:
        """A new site and its key, which is shown once and stored only as a hash."""
        errors = []
        if not SLUG.match(slug):
            errors.append({"pointer": "/slug", "message": "Use lower-case letters, digits and dashes (1-64)."})
        normalised = [origin_of(o) for o in origins]
        if None in normalised:
            errors.append({"pointer": "/origins", "message": "Origins look like https://news.example.com"})
        if not name.strip():
            errors.append({"pointer": "/name", "message": "Give the site a name."})
        if errors:
            raise InvalidInput("The site is not valid.", errors=errors)
        key = new_token("sk_")
        site = await self.create(
            Site(
                slug=slug,
                name=name.strip(),
                allowed_origins=[o for o in normalised if o],
                site_key_hash=token_hash(key),
                rules=rules or {},
            ),
            auto_commit=False,
        )
        return site, key

    def public(self, site: Site) -> s.Site:
        rules = site_rules(site)
        return s.Site(
            slug=site.slug,
            name=site.name,
            rules_version=rules.guidelines.version,
            required_fields=list(rules.profile.required_fields),
            minimum_age=rules.profile.minimum_age,
            guidelines_url=f"/api/v1/sites/{site.slug}/guidelines",
            max_body_length=rules.body.max_length,
            min_body_length=rules.body.min_length,
            edit_window_seconds=rules.thread.edit_window_seconds,
            max_reply_depth=rules.thread.max_depth,
            auto_create_articles=site.auto_create_articles,
        )

    def key_matches(self, site: Site, key: str | None) -> bool:
        return bool(key) and hmac.compare_digest(site.site_key_hash, token_hash(key or ""))

    # articles

    async def site_and_article(self, slug: str, article: str) -> tuple[Site, Article]:
        """A site and one of its articles in one query: the comment routes need both on every call."""
        row = (
            await self.session.execute(
                select(Site, Article)
                .outerjoin(Article, (Article.site_id == Site.id) & (Article.external_id == article))
                .where(Site.slug == slug)
            )
        ).one_or_none()
        site, found = _found(row, slug, article)
        return site, found

    async def article_ref(self, slug: str, article: str) -> ArticleRef:
        """The article's id and version in one indexed lookup, without loading entities."""
        row = (await self.session.execute(ARTICLE_REF, {"slug": slug, "article": article})).one_or_none()
        _site_id, article_id, version = _found(row, slug, article)
        return ArticleRef(article_id, article, version)

    async def public_counts(self, slug: str, articles: list[str]) -> dict[str, int]:
        """Published comment counts (kept by the database's triggers) in one indexed lookup."""
        counts = self.count_slots(articles)
        rows = (await self.session.execute(COUNT_REFS, {"slug": slug, "articles": list(counts)})).all()
        if not rows:
            raise NoSuchSite(slug)
        counts.update({external_id: n for _, external_id, article_id, n in rows if article_id is not None})
        return counts

    @staticmethod
    def count_slots(articles: list[str]) -> dict[str, int]:
        if len(articles) > MAX_COUNT_ARTICLES:
            raise InvalidInput(
                f"Ask for at most {MAX_COUNT_ARTICLES} articles at once.",
                errors=[{"pointer": "/articles", "message": f"At most {MAX_COUNT_ARTICLES} ids."}],
            )
        return dict.fromkeys(articles, 0)

    async def get_article(self, site: Site, article: str) -> Article:
        row = await self.session.scalar(
            select(Article).where(Article.site_id == site.id, Article.external_id == article)
        )
        if row is None:
            raise NoSuchArticle(article, site.slug)
        return row

    async def article_by_id(self, article_id: UUID) -> Article:
        row = await self.session.get(Article, article_id)
        if row is None:
            raise NotFound("There is no such article.")
        return row

    async def upsert_article(
        self, site: Site, article: str, data: s.ArticleUpsert, *, site_key: str | None
    ) -> tuple[Article, bool]:
        """(article, created). With the site key: create or update. Without: the widget's first load may
        create it, when the site allows that and the page URL is on one of its origins."""
        check_article_id(article)
        if data.url is not None and origin_of(data.url) is None:
            raise InvalidInput(
                "The article URL is not valid.",
                errors=[{"pointer": "/url", "message": "Use an http(s) URL."}],
            )
        existing = await self.session.scalar(
            select(Article).where(Article.site_id == site.id, Article.external_id == article)
        )
        if site_key is not None:
            if not self.key_matches(site, site_key):
                raise Forbidden("The site key is not right for this site.", code="bad-site-key")
        else:
            if existing is not None:
                return existing, False  # readers never change a publisher's article
            if not site.auto_create_articles:
                raise Forbidden("This site registers its articles itself; ask the publisher.", code="auto-create-off")
            if data.url is None or origin_of(data.url) not in site.allowed_origins:
                raise Forbidden(
                    "The article's URL is not on one of this site's allowed origins.",
                    code="origin-not-allowed",
                )
        if existing is None:
            existing = Article(site_id=site.id, external_id=article, url=data.url, title=data.title)
            self.session.add(existing)
            await self.session.commit()
            return existing, True
        if data.url is not None:
            existing.url = data.url
        if data.title is not None:
            existing.title = data.title
        await self.session.commit()
        return existing, False

    async def set_closed(self, site: Site, article: str, *, closed: bool) -> Article:
        row = await self.get_article(site, article)
        row.closed_at = (row.closed_at or utcnow()) if closed else None
        await self.session.commit()
        return row

    async def counts(self, site: Site, articles: list[str]) -> dict[str, int]:
        counts = self.count_slots(articles)
        if not articles:
            return counts
        rows = await self.session.execute(
            select(Article.external_id, Article.published_count).where(
                Article.site_id == site.id, Article.external_id.in_(articles)
            )
        )
        counts.update({external_id: n for external_id, n in rows.all()})
        return counts

    async def describe_article(self, site: Site, article: Article) -> s.Article:
        count = (await self.counts(site, [article.external_id]))[article.external_id]
        # A thread is closed by hand (closed_at) or by the rules (N days after it started).
        closes_at = thread_closes_at(article, article_rules(site, article))
        now = utcnow()
        return s.Article(
            id=article.id,
            site=site.slug,
            article=article.external_id,
            url=article.url,
            title=article.title,
            closed=closes_at is not None and closes_at <= now,
            closed_at=closes_at if closes_at is not None and closes_at <= now else None,
            closes_at=closes_at,
            comment_count=count,
            created_at=article.created_at,
        )
