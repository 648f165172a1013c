"""Password change and sessions: listing (when, and from which network, coarsely), ending one, ending all;
and who may call each new account route."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from comments.app import create_app
from comments.db import MailMessage, SessionToken
from comments.domain.accounts.network import coarse_network
from tests.support import cast_of, db_run

PASSWORD = "correct horse battery"
NEW = "another good passphrase"


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("testclient", "unknown"),
        ("", "unknown"),
    ],
)
def test_networks_are_coarse(address, network):
    assert coarse_network(address) == network


async def _login(client, email, password=PASSWORD, **headers):
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password}, headers=headers)


async def test_change_password_ends_the_other_sessions(api):
    first = await api.register("c@example.com")
    second = (await _login(api.client, "c@example.com")).json()["token"]
    url = "/api/v1/me/password?site=demo"
    wrong = await api.client.post(
        url, json={"current_password": "nope nope nope", "new_password": NEW}, headers=api.auth(first)
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/current_password"
    weak = await api.client.post(
        url, json={"current_password": PASSWORD, "new_password": "short"}, headers=api.auth(first)
    )
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["pointer"] == "/new_password"
    ok = await api.client.post(url, json={"current_password": PASSWORD, "new_password": NEW}, headers=api.auth(first))
    assert ok.status_code == 204, ok.text
    assert (await api.client.get("/api/v1/me", headers=api.auth(first))).status_code == 200
    assert (await api.client.get("/api/v1/me", headers=api.auth(second))).status_code == 401
    assert (await _login(api.client, "c@example.com")).status_code == 401
    assert (await _login(api.client, "c@example.com", NEW)).status_code == 200
    templates = await db_run(api.settings, lambda s: _all(s, select(MailMessage.template)))
    assert "password_changed" in templates


async def _all(session, query):
    return list((await session.scalars(query)).all())


async def test_wrong_current_passwords_are_throttled(api):
    token = await api.register("t@example.com")
    url = "/api/v1/me/password"
    codes = []
    for _ in range(api.settings.login_max_failures + 1):
        r = await api.client.post(
            url, json={"current_password": "wrong wrong", "new_password": NEW}, headers=api.auth(token)
        )
        codes.append(r.status_code)
    assert codes[:-1] == [422] * api.settings.login_max_failures
    assert codes[-1] == 429


async def test_sessions_show_when_and_from_where(settings, scorer):
    proxied = replace(settings, trusted_proxies=("testclient",))
    async with AsyncTestClient(app=create_app(proxied, toxicity=scorer)) as client:
        r = await client.post(
            "/api/v1/auth/register",
            json={"email": "s@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.7", "User-Agent": "Firefox/140 on Linux"},
        )
        token = r.json()["token"]
        other = (await _login(client, "s@example.com", **{"X-Forwarded-For": "2001:db8:aa:bb::9"})).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        listed = (await client.get("/api/v1/me/sessions", headers=auth)).json()["sessions"]
        assert len(listed) == 2
        mine = next(x for x in listed if x["current"])
        assert mine["network"] == "203.0.113.0/24"
        assert mine["client"] == "Firefox/140 on Linux"
        theirs = next(x for x in listed if not x["current"])
        assert theirs["network"] == "2001:db8:aa::/48"
        assert "203.0.113.7" not in str(listed)

        # A request notes the use (at most every few minutes) and the network it came from.
        async def age(session):
            await session.execute(update(SessionToken).values(last_used_at=datetime.now(UTC) - timedelta(hours=1)))

        await db_run(settings, age)
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}", "X-Forwarded-For": "198.51.100.3"})
        listed = (await client.get("/api/v1/me/sessions", headers=auth)).json()["sessions"]
        theirs = next(x for x in listed if not x["current"])
        assert theirs["network"] == "198.51.100.0/24"
        used = datetime.fromisoformat(theirs["last_used_at"])
        assert datetime.now(UTC) - used < timedelta(minutes=1)

        # Ending one session ends that one only.
        assert (await client.delete(f"/api/v1/me/sessions/{theirs['id']}", headers=auth)).status_code == 204
        assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})).status_code == 401
        assert (await client.get("/api/v1/me", headers=auth)).status_code == 200
        assert (await client.delete(f"/api/v1/me/sessions/{theirs['id']}", headers=auth)).status_code == 404


async def test_logout_everywhere(api):
    tokens = [await api.register("e@example.com")]
    tokens += [(await _login(api.client, "e@example.com")).json()["token"] for _ in range(2)]
    r = await api.client.post("/api/v1/me/sessions/logout-everywhere", headers=api.auth(tokens[1]))
    assert r.status_code == 204
    for token in tokens:
        assert (await api.client.get("/api/v1/me", headers=api.auth(token))).status_code == 401
    assert (await _login(api.client, "e@example.com")).status_code == 200


async def test_a_bad_session_id_is_4xx(api):
    token = await api.register("b@example.com")
    r = await api.client.delete("/api/v1/me/sessions/not-a-uuid", headers=api.auth(token))
    assert 400 <= r.status_code < 500


# Who may call what. Every route below acts on the caller's own account only: staff roles give no
# access to another reader's sessions, data or password, and anonymous callers get 401.
OWN_ROUTES = [
    ("POST", "/api/v1/me/password", {"current_password": "wrong wrong wrong", "new_password": NEW}, 422),
    ("GET", "/api/v1/me/sessions", None, 200),
    ("POST", "/api/v1/me/email", {"email": "new@example.com", "password": "wrong wrong wrong"}, 422),
    ("POST", "/api/v1/me/email/verification", None, 202),
    ("GET", "/api/v1/me/export", None, 200),
    ("POST", "/api/v1/me/delete", {"password": "wrong wrong wrong"}, 422),
    ("POST", "/api/v1/me/sessions/logout-everywhere", None, 204),
]
ROLES = ["reader", "moderator", "admin", "superadmin", "other_moderator"]


@pytest.mark.parametrize(("method", "path", "body", "expected"), OWN_ROUTES)
async def test_own_account_routes_by_role(api, method, path, body, expected):
    cast = await cast_of(api)
    anonymous = await api.client.request(method, path, json=body)
    assert anonymous.status_code == 401
    for role in ROLES:
        r = await api.client.request(method, path, json=body, headers=cast.headers(role))
        assert r.status_code == expected, (role, r.text)
        if path.endswith("/export"):
            assert r.json()["account"]["id"] == str(cast.ids[role])  # their own data, whoever asks


async def test_nobody_can_end_another_readers_session(api):
    cast = await cast_of(api)
    victim = await db_run(
        api.settings,
        lambda s: s.scalar(select(SessionToken.id).where(SessionToken.user_id == cast.ids["reader"]).limit(1)),
    )
    assert (await api.client.delete(f"/api/v1/me/sessions/{victim}")).status_code == 401
    other_reader = await api.reader("other@example.com", "Other Reader")
    for headers in [api.auth(other_reader)] + [cast.headers(r) for r in ROLES if r != "reader"]:
        r = await api.client.delete(f"/api/v1/me/sessions/{victim}", headers=headers)
        assert r.status_code == 404
    assert (await api.client.get("/api/v1/me", headers=cast.headers("reader"))).status_code == 200
    assert (await api.client.delete(f"/api/v1/me/sessions/{victim}", headers=cast.headers("reader"))).status_code == 204


PUBLIC_ROUTES = [
    ("POST", "/api/v1/auth/verify-email", {"token": "not-a-real-token"}, 400),
    ("POST", "/api/v1/auth/password-reset", {"email": "someone@example.com"}, 202),
    ("POST", "/api/v1/auth/password-reset/complete", {"token": "not-a-real-token", "password": NEW}, 400),
    ("POST", "/api/v1/auth/sso", {"site": "demo", "token": "not.a.jwt"}, 401),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), PUBLIC_ROUTES)
async def test_public_account_routes_answer_everyone_alike(api, method, path, body, expected):
    """Reached from a mail link or a publisher's page: no session needed, and a session changes nothing."""
    cast = await cast_of(api)
    for role in [None, *ROLES]:
        headers = cast.headers(role) if role else {}
        r = await api.client.request(method, path, json=body, headers=headers)
        assert r.status_code == expected, (role, r.text)
