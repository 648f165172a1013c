"""The permission matrix, for every moderation route: anonymous, reader, moderator of another site,
moderator, admin, superadmin. Each allowed call really succeeds (on a resource made for it); each refused
call changes nothing (the audit log does not grow); a moderator of another site learns nothing (a comment
of this site is 404 to them, exactly like a comment that does not exist)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from comments.clock import utcnow
from comments.db import (
    AuditEntry,
    DeliveryStatus,
    Membership,
    Role,
    Sanction,
    SanctionKind,
    Site,
    Webhook,
    WebhookDelivery,
)
from tests.support import ROLES, Cast, cast_of, db_run, seed_comment, user_id

Prepare = Callable[["World", str], Awaitable[dict[str, Any]]]


@dataclass
class World:
    cast: Cast
    target: Any  # a reader moderators act on
    author: Any  # a reader whose published comments others report

    @property
    def settings(self):
        return self.cast.api.settings


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: str
    """moderator | admin (of the demo site) | comment (moderators of the comment's site) | user (anyone
    logged in) | self (only the user the resource belongs to)."""
    ok: int
    prepare: Prepare | None = None
    body: Callable[[dict[str, Any]], Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


async def nothing(world: World, role: str) -> dict[str, Any]:
    return {}


async def held_comment(world: World, role: str) -> dict[str, Any]:
    comment = await seed_comment(world.settings, world.target, f"held for {role}")
    return {"comment": comment.id, "version": comment.version}


async def published_comment(world: World, role: str) -> dict[str, Any]:
    comment = await seed_comment(world.settings, world.author, f"published for {role}", status="published")
    return {"comment": comment.id}


async def sanction(world: World, role: str, *, on: Any = None) -> dict[str, Any]:
    async def work(session):
        site = await session.scalar(select(Site).where(Site.slug == "demo"))
        row = Sanction(user_id=on or world.target, site_id=site.id, kind=SanctionKind.WARN, reason="mind it")
        session.add(row)
        await session.flush()
        return row.id

    return {"sanction": await db_run(world.settings, work)}


async def own_warning(world: World, role: str) -> dict[str, Any]:
    return await sanction(world, role, on=world.cast.ids.get(role, world.target))


async def fresh_user(world: World, role: str) -> dict[str, Any]:
    token = await world.cast.api.register(f"staff-{role}@example.com")
    return {"user": await user_id(world.cast.api, token)}


async def fresh_member(world: World, role: str) -> dict[str, Any]:
    found = await fresh_user(world, role)

    async def work(session):
        site = await session.scalar(select(Site).where(Site.slug == "demo"))
        session.add(Membership(user_id=found["user"], site_id=site.id, role=Role.MODERATOR))

    await db_run(world.settings, work)
    return found


async def webhook(world: World, role: str) -> dict[str, Any]:
    async def work(session):
        site = await session.scalar(select(Site).where(Site.slug == "demo"))
        hook = Webhook(site_id=site.id, url="https://news.example/hooks", secret="whsec_x", events=["comment.held"])
        session.add(hook)
        await session.flush()
        delivery = WebhookDelivery(
            webhook_id=hook.id,
            site_id=site.id,
            event="comment.held",
            body="{}",
            status=DeliveryStatus.FAILED,
            next_attempt_at=utcnow(),
        )
        session.add(delivery)
        await session.flush()
        return {"webhook": hook.id, "delivery": delivery.id}

    return await db_run(world.settings, work)


SITE = "/api/v1/sites/demo"
ROUTES = [
    Route("GET", f"{SITE}/moderation/queue", "moderator", 200),
    Route("GET", f"{SITE}/moderation/queue/counts", "moderator", 200),
    Route(
        "POST",
        f"{SITE}/moderation/decisions",
        "moderator",
        200,
        held_comment,
        lambda p: {"action": "approve", "items": [{"id": str(p["comment"]), "version": p["version"]}]},
    ),
    Route("GET", f"{SITE}/moderation/log", "moderator", 200),
    Route("GET", f"{SITE}/moderation/stats", "moderator", 200),
    Route("POST", "/api/v1/moderation/comments/{comment}/claim", "comment", 200, held_comment),
    Route("DELETE", "/api/v1/moderation/comments/{comment}/claim", "comment", 204, held_comment),
    Route(
        "POST",
        "/api/v1/moderation/comments/{comment}/decision",
        "comment",
        200,
        held_comment,
        lambda p: {"action": "reject", "version": p["version"], "reason_code": "spam"},
    ),
    Route("POST", "/api/v1/comments/{comment}/reports", "user", 201, published_comment, lambda p: {"reason": "spam"}),
    Route("GET", SITE + "/users/{target}/sanctions", "moderator", 200),
    Route(
        "POST", SITE + "/users/{target}/sanctions", "moderator", 201, None, lambda p: {"kind": "warn", "reason": "x"}
    ),
    Route("POST", SITE + "/users/{target}/sanctions/{sanction}/lift", "moderator", 200, sanction),
    Route("GET", "/api/v1/me/sanctions", "user", 200),
    Route("POST", "/api/v1/me/sanctions/{sanction}/acknowledge", "self", 200, own_warning),
    Route("GET", f"{SITE}/members", "admin", 200),
    Route("GET", SITE + "/members/{moderator}", "admin", 200),
    Route("PUT", SITE + "/members/{user}", "admin", 200, fresh_user, lambda p: {"role": "moderator"}),
    Route("DELETE", SITE + "/members/{user}", "admin", 204, fresh_member),
    Route("GET", f"{SITE}/webhooks", "admin", 200),
    Route(
        "POST",
        f"{SITE}/webhooks",
        "admin",
        201,
        None,
        lambda p: {"url": "https://news.example/hooks", "events": ["comment.held"]},
    ),
    Route("GET", SITE + "/webhooks/{webhook}", "admin", 200, webhook),
    Route("PATCH", SITE + "/webhooks/{webhook}", "admin", 200, webhook, lambda p: {"active": False}),
    Route("DELETE", SITE + "/webhooks/{webhook}", "admin", 204, webhook),
    Route("GET", SITE + "/webhooks/{webhook}/deliveries", "admin", 200, webhook),
    Route("POST", SITE + "/webhooks/{webhook}/deliveries/{delivery}/retry", "admin", 202, webhook),
    Route("POST", SITE + "/webhooks/{webhook}/ping", "admin", 202, webhook),
]

ALLOWED = {
    "moderator": {"moderator", "admin", "superadmin"},
    "comment": {"moderator", "admin", "superadmin"},
    "admin": {"admin", "superadmin"},
    "user": set(ROLES) - {"anonymous"},
    "self": set(ROLES) - {"anonymous"},
}


def expected_refusal(route: Route, role: str) -> int:
    if role == "anonymous":
        return 401
    if route.allowed == "comment" and role == "other_moderator":
        return 404  # as if the comment did not exist
    return 403


async def audit_count(settings) -> int:
    return await db_run(settings, lambda session: session.scalar(select(func.count()).select_from(AuditEntry)))


@pytest.fixture
async def world(api) -> World:
    cast = await cast_of(api)
    target = await user_id(api, await api.reader("target@example.com", "Target Reader"))
    author = await user_id(api, await api.reader("author@example.com", "Author Reader"))
    return World(cast, target, author)


def test_every_moderation_route_is_in_the_matrix(app):
    prefixes = ("/api/v1/moderation", "/api/v1/me/sanctions", "/reports")
    site_parts = ("/moderation/", "/users/", "/members", "/webhooks")
    covered = {(r.method, r.path.split("{")[0].rstrip("/")) for r in ROUTES}
    for route in app.routes:
        path = route.path
        if not (path.startswith(prefixes) or path.endswith("/reports") or any(p in path for p in site_parts)):
            continue
        if "/notices" in path or "/appeals" in path:
            continue  # the DSA routes have their own matrix (test_dsa_permissions.py)
        for method in route.methods - {"OPTIONS", "HEAD"}:
            concrete = path.replace("{site:str}", "demo").split("{")[0].rstrip("/")
            assert (method, concrete) in covered, f"{method} {path} has no row in the permission matrix"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
async def test_permission_matrix(world, route):
    api, cast = world.cast.api, world.cast
    for role in ROLES:
        params = {"target": world.target, "moderator": cast.ids["moderator"]}
        params |= await (route.prepare or nothing)(world, role)
        url = route.path.format(**params)
        body = route.body(params) if route.body else None
        before = await audit_count(world.settings)
        response = await api.client.request(
            route.method, url, json=body, headers=cast.headers(role) if role != "anonymous" else {}
        )
        if role in ALLOWED[route.allowed]:
            assert response.status_code == route.ok, f"{role}: {response.status_code} {response.text}"
            continue
        refusal = expected_refusal(route, role)
        assert response.status_code == refusal, f"{role}: {response.status_code} {response.text}"
        assert await audit_count(world.settings) == before, f"{role} changed something"
        if refusal == 404:
            assert response.json()["detail"] == "There is no such comment."


async def test_a_comment_of_another_site_looks_like_no_comment_at_all(world):
    api, cast = world.cast.api, world.cast
    params = await held_comment(world, "other_moderator")
    real = await api.client.post(
        f"/api/v1/moderation/comments/{params['comment']}/claim", headers=cast.headers("other_moderator")
    )
    missing = await api.client.post(
        "/api/v1/moderation/comments/00000000-0000-0000-0000-000000000000/claim",
        headers=cast.headers("other_moderator"),
    )
    assert real.status_code == missing.status_code == 404
    assert _answer(real) == _answer(missing)


async def test_a_reader_learns_nothing_either(world):
    api, cast = world.cast.api, world.cast
    params = await held_comment(world, "reader")
    real = await api.client.post(
        f"/api/v1/moderation/comments/{params['comment']}/claim", headers=cast.headers("reader")
    )
    missing = await api.client.post(
        "/api/v1/moderation/comments/00000000-0000-0000-0000-000000000000/claim", headers=cast.headers("reader")
    )
    assert real.status_code == missing.status_code == 403
    assert _answer(real) == _answer(missing)


def _answer(response):
    """The problem without its request id (every answer has its own)."""
    return {k: v for k, v in response.json().items() if k != "request_id"}
