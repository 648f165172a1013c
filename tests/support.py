"""Test data and helpers, one module: a fake toxicity scorer, a thin client for the common API steps, and
for moderation a cast of users with roles, comments written straight to the database (rate limits would
make a queue of many comments take minutes through the API) and small readers of what was stored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from comments.config import Settings
from comments.db import Article, AuditEntry, Comment, CommentStatus, Membership, Role, Site, User
from comments.db.engine import sqlalchemy_config
from comments.domain.sites.demo import DEMO_ARTICLE, create_demo_if_empty
from comments.domain.sites.services import SiteService

TOXIC_WORDS = ("idiot", "moron", "scum", "kill you")


class FakeScorer:
    """Stands in for the model where a test is about something else: 'toxic' when a toxic word appears.
    `fail` makes it raise, `delay` makes it slow (as a model that timed out would), `idle` False makes it
    look busy (posts then ask it only after the gates). `events` records when it was asked, and a wait
    cut short (a refused post's early score, cancelled)."""

    model_id = "fake-keywords"
    state = "ready"
    error = None

    def __init__(self) -> None:
        self.fail = False
        self.delay = 0.0
        self.idle = True
        self.explain_fail = False
        self.explain_delay = 0.0
        self.calls: list[str] = []
        self.events: list[str] = []

    async def score(self, text: str) -> dict[str, float]:
        self.calls.append(text)
        self.events.append("score asked")
        if self.delay:
            try:
                await asyncio.sleep(self.delay)
            except asyncio.CancelledError:
                self.events.append("score cancelled")
                raise
        if self.fail:
            raise RuntimeError("model exploded")
        toxic = any(word in text.lower() for word in TOXIC_WORDS)
        # toxicity is above the default policy's toxicity hold (0.98) and insult under its insult hold:
        # one reason (toxicity) per toxic comment.
        return {"toxicity": 0.99 if toxic else 0.02, "insult": 0.4 if toxic else 0.01}

    async def explain(self, text: str) -> list[dict[str, object]]:
        """The toxic words' spans (`explain_fail`: raises; `explain_delay`: slow, as a model past its time)."""
        if self.explain_delay:
            await asyncio.sleep(self.explain_delay)
        if self.explain_fail:
            raise RuntimeError("explain exploded")
        lowered = text.lower()
        spans = []
        for word in TOXIC_WORDS:
            start = lowered.find(word)
            while start != -1:
                spans.append({"start": start, "end": start + len(word), "label": "toxicity", "score": 0.9})
                start = lowered.find(word, start + len(word))
        return sorted(spans, key=lambda span: span["start"])


COMPLETE_PROFILE = {"full_name": "Ada Reader", "country": "GB", "birth_year": 1980, "accepted_rules_version": 1}


class Api:
    def __init__(self, client: AsyncTestClient[Litestar], settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.site_key = ""
        self.article = DEMO_ARTICLE

    async def create_demo(self) -> None:
        config = sqlalchemy_config(self.settings)
        async with config.get_session() as session:
            self.site_key = await create_demo_if_empty(session, self.settings) or ""
        await config.get_engine().dispose()

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def register(self, email: str, password: str = "correct horse battery") -> str:
        response = await self.client.post("/api/v1/auth/register", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        return response.json()["token"]

    async def complete_profile(self, token: str, display_name: str, **overrides: Any) -> Any:
        body = {**COMPLETE_PROFILE, "display_name": display_name, **overrides}
        response = await self.client.patch("/api/v1/me/profile?site=demo", json=body, headers=self.auth(token))
        assert response.status_code == 200, response.text
        return response.json()

    async def reader(self, email: str, display_name: str) -> str:
        token = await self.register(email)
        await self.complete_profile(token, display_name)
        return token

    async def staff(self, email: str, role: str, site: str = "demo") -> str:
        """A logged-in user with `role` (moderator | admin | superadmin) on `site`."""
        return await staff(self, email, role, site)

    def comments_url(self, article: str | None = None, site: str = "demo") -> str:
        return f"/api/v1/sites/{site}/articles/{article or self.article}/comments"

    async def post(self, token: str, body: str, **extra: Any) -> Any:
        headers = {**self.auth(token), **extra.pop("headers", {})}
        return await self.client.post(
            self.comments_url(extra.pop("article", None)), json={"body": body, **extra}, headers=headers
        )

    async def thread(self, token: str | None = None, **params: Any) -> Any:
        response = await self.client.get(self.comments_url(), params=params, headers=self.auth(token) if token else {})
        assert response.status_code == 200, response.text
        return response.json()


# moderation: sites, staff, seeded comments, the audit log
T = TypeVar("T")

DEFAULT: Any = object()
"""seed_comment's default scores: those of a comment held for toxicity."""

ROLES = ("anonymous", "reader", "other_moderator", "moderator", "admin", "superadmin")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # wait for the app's writes instead of failing
    cursor.close()


async def db_run(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(session)` and commit, on an engine of its own. Deliberately not a SQLAlchemyAsyncConfig:
    advanced-alchemy keeps every config ever made in a process-wide registry that it searches recursively,
    so one per call would exhaust the recursion limit over a long test run."""
    engine = create_async_engine(settings.resolved_database_url)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            result = await work(session)
            await session.commit()
    finally:
        await engine.dispose()
    return result


@dataclass
class Cast:
    """Everyone the permission matrix needs, logged in (anonymous has no token)."""

    api: Api
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, UUID] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return self.api.auth(self.tokens[role]) if role in self.tokens else {}


async def user_id(api: Api, token: str) -> UUID:
    response = await api.client.get("/api/v1/me", headers=api.auth(token))
    assert response.status_code == 200, response.text
    return UUID(response.json()["user"]["id"])


async def create_site(settings: Settings, slug: str) -> None:
    async def work(session: Any) -> None:
        await SiteService(session=session).create_site(slug, slug.title(), ["https://other.example"])

    await db_run(settings, work)


async def staff(api: Api, email: str, role: str, site: str = "demo") -> str:
    """A reader with complete details who is also `role` (moderator | admin | superadmin) on `site`."""
    token = await api.reader(email, email.split("@")[0].title())

    async def work(session: Any) -> None:
        user = await session.scalar(select(User).where(User.email == email))
        if role == "superadmin":
            user.is_superadmin = True
            return
        site_row = await session.scalar(select(Site).where(Site.slug == site))
        session.add(Membership(user_id=user.id, site_id=site_row.id, role=Role(role)))

    await db_run(api.settings, work)
    return token


async def cast_of(api: Api) -> Cast:
    """A reader, a moderator, an admin and a superadmin of the demo site, and a moderator of site 'other'."""
    await create_site(api.settings, "other")
    cast = Cast(api)
    cast.tokens["reader"] = await api.reader("reader@example.com", "Reader One")
    cast.tokens["moderator"] = await staff(api, "mod@example.com", "moderator")
    cast.tokens["admin"] = await staff(api, "admin@example.com", "admin")
    cast.tokens["superadmin"] = await staff(api, "root@example.com", "superadmin")
    cast.tokens["other_moderator"] = await staff(api, "othermod@example.com", "moderator", site="other")
    for role, token in cast.tokens.items():
        cast.ids[role] = await user_id(api, token)
    return cast


async def seed_comment(
    settings: Settings,
    author_id: UUID,
    body: str = "A comment waiting for a moderator.",
    *,
    status: str = "held",
    site: str = "demo",
    article: str | None = None,
    reasons: list[dict[str, Any]] | None = None,
    scores: dict[str, float] | None = DEFAULT,
    flagged: bool = False,
    parent_id: UUID | None = None,
    created_at: datetime | None = None,
) -> Comment:
    """A comment as the pipeline would have stored it (held for toxicity unless told otherwise)."""

    async def work(session: Any) -> Comment:
        site_row = await session.scalar(select(Site).where(Site.slug == site))
        query = select(Article).where(Article.site_id == site_row.id)
        if article is not None:
            query = query.where(Article.external_id == article)
        article_row = await session.scalar(query.limit(1))
        if article_row is None:
            article_row = Article(site_id=site_row.id, external_id=article or "story", title="A story")
            session.add(article_row)
            await session.flush()
        default_reasons = [toxicity_reason("toxicity", 0.91)] if status == "held" else []
        comment = Comment(
            site_id=site_row.id,
            article_id=article_row.id,
            author_id=author_id,
            parent_id=parent_id,
            root_id=parent_id,
            depth=1 if parent_id else 0,
            body=body,
            status=CommentStatus(status),
            auto_status=CommentStatus(status),
            flagged=flagged,
            reasons=default_reasons if reasons is None else reasons,
            scores=({"toxicity": 0.91, "insult": 0.4} if status == "held" else None) if scores is DEFAULT else scores,
            model="fake-keywords",
            **({"created_at": created_at} if created_at else {}),
        )
        session.add(comment)
        await session.flush()
        return comment

    return await db_run(settings, work)


def toxicity_reason(label: str, score: float, threshold: float = 0.5) -> dict[str, Any]:
    return {
        "code": "toxicity",
        "action": "hold",
        "message": "Our automatic check found that your comment may be toxic.",
        "detail": {"label": label, "score": score, "threshold": threshold, "summary": f"{label}:{score:.2f}"},
    }


def rule_reason(code: str, action: str = "hold") -> dict[str, Any]:
    return {"code": code, "action": action, "message": f"Rule {code}.", "detail": {}}


async def set_rules(settings: Settings, rules: dict[str, Any], site: str = "demo") -> None:
    async def work(session: Any) -> None:
        await session.execute(update(Site).where(Site.slug == site).values(rules=rules))

    await db_run(settings, work)


async def audit_actions(settings: Settings, **where: Any) -> list[AuditEntry]:
    async def work(session: Any) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.created_at, AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(await session.scalars(query))

    return await db_run(settings, work)


async def comment_row(settings: Settings, comment_id: UUID | str) -> Comment:
    return await db_run(settings, lambda session: session.get(Comment, UUID(str(comment_id))))


async def user_by_email(settings: Settings, email: str) -> User:
    return await db_run(settings, lambda session: session.scalar(select(User).where(User.email == email)))


async def decide(api: Api, token: str, comment_id: Any, action: str, version: int, **extra: Any) -> Any:
    return await api.client.post(
        f"/api/v1/moderation/comments/{comment_id}/decision",
        json={"action": action, "version": version, **extra},
        headers=api.auth(token),
    )


async def queue(api: Api, token: str, site: str = "demo", **params: Any) -> Any:
    response = await api.client.get(f"/api/v1/sites/{site}/moderation/queue", params=params, headers=api.auth(token))
    assert response.status_code == 200, response.text
    return response.json()
