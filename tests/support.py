"""Test helpers: a fake toxicity scorer and a thin client for the common API steps."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from comments.config import Settings
from comments.db.engine import sqlalchemy_config
from comments.domain.sites.demo import DEMO_ARTICLE, create_demo_if_empty

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
        return {"toxicity": 0.97 if toxic else 0.02, "insult": 0.9 if toxic else 0.01}


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
        from sqlalchemy import select, update

        from comments.db import Membership, Role, Site, User

        token = await self.reader(email, email.split("@")[0].replace(".", " ").title())
        config = sqlalchemy_config(self.settings)
        async with config.get_session() as session:
            user = await session.scalar(select(User).where(User.email == email))
            if role == "superadmin":
                await session.execute(update(User).where(User.id == user.id).values(is_superadmin=True))
            else:
                site_row = await session.scalar(select(Site).where(Site.slug == site))
                # Test data, written directly: the audited way is MemberService.grant (PUT .../members).
                session.add(Membership(user_id=user.id, site_id=site_row.id, role=Role(role)))
            await session.commit()
        await config.get_engine().dispose()
        return token

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
