"""Every DSA route for every role: anonymous, a reader, the author (the statement's recipient), another
reader, the moderator who decided, a second moderator, an admin, a superadmin and staff of another site.
Each allowed call succeeds on a resource made for it; each refused call changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from comments.db import Appeal, AuditEntry, ComplianceMessage, Notice, Site, StatementOfReasons
from tests.support import Api, create_site, db_run, decide, seed_comment, staff, user_id

ROLES = (
    "anonymous",
    "reader",
    "author",
    "other_reader",
    "moderator",
    "second_moderator",
    "admin",
    "superadmin",
    "other_site_staff",
)
SITE_STAFF = {"moderator", "second_moderator", "admin", "superadmin"}
LOGGED_IN = set(ROLES) - {"anonymous"}
NOTICE = {
    "category": "defamation",
    "explanation": "It says falsely that I stole money.",
    "legal_ground": "Defamation law",
    "bona_fide": True,
}


@dataclass
class World:
    api: Api
    tokens: dict[str, str]
    ids: dict[str, Any]

    def headers(self, role: str) -> dict[str, str]:
        return self.api.auth(self.tokens[role]) if role in self.tokens else {}


Prepare = Callable[[World, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: set[str]
    ok: int
    refused: dict[str, int]
    """The status for each role not allowed (anonymous is always 401)."""
    prepare: Prepare | None = None
    body: Callable[[dict[str, Any]], Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


async def nothing(world: World, role: str) -> dict[str, Any]:
    return {}


async def published(world: World, role: str) -> dict[str, Any]:
    # Notices are rate-limited per address and the test client has one: start each call afresh.
    async def clear(session: Any) -> None:
        await session.execute(delete(ComplianceMessage))
        await session.execute(delete(Notice))

    await db_run(world.api.settings, clear)
    comment = await seed_comment(world.api.settings, world.ids["author"], status="published", scores=None)
    return {"comment": comment.id}


async def notice(world: World, role: str, *, unfounded: int = 0) -> dict[str, Any]:
    params = await published(world, role)

    async def work(session: Any) -> Any:
        site = await session.scalar(select(Site).where(Site.slug == "demo"))
        rows = [
            Notice(
                site_id=site.id,
                comment_id=params["comment"],
                category="defamation",
                explanation="x",
                legal_ground="y",
                reporter_email="notifier@example.org",
                address_hash="0" * 64,
                **(
                    {"status": "decided", "action": "keep", "ground": "not_illegal", "manifestly_unfounded": True}
                    | {"decided_at": site.created_at}
                    if i < unfounded
                    else {}
                ),
            )
            for i in range(unfounded + 1)
        ]
        session.add_all(rows)
        await session.flush()
        return rows[-1].id

    params["notice"] = await db_run(world.api.settings, work)
    return params


async def unfounded_notices(world: World, role: str) -> dict[str, Any]:
    # decided_at must fall in the last 12 months: the site was created moments ago.
    return await notice(world, role, unfounded=3)


async def statement(world: World, role: str) -> dict[str, Any]:
    """A held comment of the author's, rejected by `moderator`: its statement."""
    comment = await seed_comment(world.api.settings, world.ids["author"])
    response = await decide(world.api, world.tokens["moderator"], comment.id, "reject", 1, reason_code="spam")
    assert response.status_code == 200, response.text
    found = await db_run(
        world.api.settings,
        lambda s: s.scalar(
            select(StatementOfReasons.id).where(
                StatementOfReasons.comment_id == comment.id, StatementOfReasons.decision == "removal"
            )
        ),
    )
    return {"statement": found, "comment": comment.id}


async def appeal(world: World, role: str) -> dict[str, Any]:
    params = await statement(world, role)
    response = await world.api.client.post(
        "/api/v1/appeals",
        json={"statement_id": str(params["statement"]), "explanation": "Please look again."},
        headers=world.headers("author"),
    )
    assert response.status_code == 201, response.text
    return {**params, "appeal": response.json()["id"]}


SITE = "/api/v1/sites/demo"
NOT_STAFF = {"reader", "author", "other_reader", "other_site_staff"}
ROUTES = [
    Route(
        "POST", "/api/v1/notices", set(ROLES), 201, {}, published, lambda p: {**NOTICE, "comment_id": str(p["comment"])}
    ),
    Route("GET", f"{SITE}/moderation/notices", SITE_STAFF, 200, dict.fromkeys(NOT_STAFF, 403)),
    Route(
        "POST",
        "/api/v1/moderation/notices/{notice}/decision",
        SITE_STAFF,
        200,
        dict.fromkeys(NOT_STAFF, 404),
        notice,
        lambda p: {"action": "keep", "ground": "not_illegal", "explanation": "Lawful."},
    ),
    Route(
        "POST",
        "/api/v1/moderation/notices/{notice}/suspend-notifier",
        SITE_STAFF,
        201,
        dict.fromkeys(NOT_STAFF, 404),
        unfounded_notices,
        lambda p: {"explanation": "Often unfounded."},
    ),
    Route(
        "GET",
        "/api/v1/statements/{statement}",
        SITE_STAFF | {"author"},
        200,
        dict.fromkeys(NOT_STAFF - {"author"}, 404),
        statement,
    ),
    Route("GET", "/api/v1/me/statements", LOGGED_IN, 200, {}),
    Route(
        "POST",
        "/api/v1/appeals",
        {"author"},
        201,
        dict.fromkeys(LOGGED_IN - {"author"}, 404),
        statement,
        lambda p: {"statement_id": str(p["statement"]), "explanation": "I disagree."},
    ),
    Route("GET", f"{SITE}/moderation/appeals", SITE_STAFF, 200, dict.fromkeys(NOT_STAFF, 403)),
    Route(
        "POST",
        "/api/v1/moderation/appeals/{appeal}/decision",
        SITE_STAFF - {"moderator"},
        200,
        {**dict.fromkeys(NOT_STAFF, 404), "moderator": 403},  # the moderator took the decision under appeal
        appeal,
        lambda p: {"outcome": "upheld", "explanation": "Spam indeed."},
    ),
    Route(
        "GET",
        f"{SITE}/transparency-report",
        {"admin", "superadmin"},
        200,
        dict.fromkeys(LOGGED_IN - {"admin", "superadmin"}, 403),
    ),
    Route(
        "GET",
        f"{SITE}/statements-of-reasons/export",
        {"admin", "superadmin"},
        200,
        dict.fromkeys(LOGGED_IN - {"admin", "superadmin"}, 403),
    ),
]


async def footprint(api: Api) -> tuple[int, ...]:
    async def work(session: Any) -> tuple[int, ...]:
        counts = []
        for model in (AuditEntry, StatementOfReasons, Appeal, Notice, ComplianceMessage):
            counts.append(await session.scalar(select(func.count()).select_from(model)) or 0)
        return tuple(counts)

    return await db_run(api.settings, work)


@pytest.fixture
async def world(api: Api) -> World:
    await create_site(api.settings, "other")
    tokens = {
        "reader": await api.reader("reader@example.com", "Reader"),
        "author": await api.reader("author@example.com", "Author"),
        "other_reader": await api.reader("other@example.com", "Other Reader"),
        "moderator": await staff(api, "mod@example.com", "moderator"),
        "second_moderator": await staff(api, "mod2@example.com", "moderator"),
        "admin": await staff(api, "admin@example.com", "admin"),
        "superadmin": await staff(api, "root@example.com", "superadmin"),
        "other_site_staff": await staff(api, "otheradmin@example.com", "admin", site="other"),
    }
    ids = {role: await user_id(api, token) for role, token in tokens.items()}
    return World(api, tokens, ids)


def test_every_dsa_route_is_in_the_matrix(app):
    covered = {(r.method, r.path.split("{")[0].rstrip("/")) for r in ROUTES}
    names = ("/notices", "/appeals", "/statements", "transparency-report", "statements-of-reasons")
    for route in app.routes:
        if not any(name in route.path for name in names):
            continue
        for method in route.methods - {"OPTIONS", "HEAD"}:
            concrete = route.path.replace("{site:str}", "demo").split("{")[0].rstrip("/")
            assert (method, concrete) in covered, f"{method} {route.path} has no row in the matrix"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
async def test_permission_matrix(world: World, route: Route):
    api = world.api
    for role in ROLES:
        params = await (route.prepare or nothing)(world, role)
        url = route.path.format(**params)
        body = route.body(params) if route.body else None
        before = await footprint(api)
        response = await api.client.request(route.method, url, json=body, headers=world.headers(role))
        if role in route.allowed:
            assert response.status_code == route.ok, f"{role}: {response.status_code} {response.text}"
            continue
        expected = 401 if role == "anonymous" else route.refused[role]
        assert response.status_code == expected, f"{role}: {response.status_code} {response.text}"
        assert await footprint(api) == before, f"{role} changed something"
