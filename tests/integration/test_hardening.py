"""The probe of issue 13 kept as tests: each reproduces one finding (they failed before the fixes)."""

from __future__ import annotations

import logging
import os
import re
import stat

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient

from comments.app import create_app
from comments.domain.comments.reads import ThreadReads
from tests.integration.test_errors import assert_problem
from tests.support import cast_of

LOGIN = "/api/v1/auth/login"


# 1. deeply nested JSON


@pytest.mark.parametrize("depth", [100, 1_000, 20_000])
async def test_deeply_nested_json_is_a_400_problem(api, reader_token, depth, caplog):
    body = '{"email": ' + "[" * depth + "]" * depth + ', "password": "x"}'
    with caplog.at_level(logging.WARNING):
        r = await api.client.post(LOGIN, content=body, headers={"content-type": "application/json"})
        assert_problem(r, 400)
        posted = await api.client.post(
            api.comments_url(),
            content='{"body": "hi", "parent_id": ' + "{" * depth + "}" * depth + "}",
            headers={**api.auth(reader_token), "content-type": "application/json"},
        )
        assert_problem(posted, 400)
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR], "bad input is not an alarm"


# 4. login throttling that cannot lock a victim out


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@pytest.fixture
def app(settings, scorer):
    # The test client's peer is "testclient": trusting it lets each test choose the client address.
    from dataclasses import replace

    return create_app(replace(settings, trusted_proxies=("testclient",)), toxicity=scorer)


@pytest.mark.parametrize("role", ["reader", "moderator", "admin", "superadmin"])
async def test_failed_logins_from_one_address_do_not_lock_the_account(api, role):
    email = f"{role}@example.com"
    await (api.reader(email, f"Victim {role}") if role == "reader" else api.staff(email, role))
    wrong = {"email": email, "password": "not the password"}
    right = {"email": email, "password": "correct horse battery"}
    statuses = [(await api.client.post(LOGIN, json=wrong, headers=_from("203.0.113.66"))).status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:], statuses  # the attacker's address now waits
    throttled = await api.client.post(LOGIN, json=right, headers=_from("203.0.113.66"))
    assert throttled.status_code == 429  # even the right password: the answer must not tell it
    assert int(throttled.headers["Retry-After"]) >= 1
    victim = await api.client.post(LOGIN, json=right, headers=_from("198.51.100.7"))
    assert victim.status_code == 200, victim.text
    still = await api.client.post(LOGIN, json=wrong, headers=_from("203.0.113.66"))
    assert still.status_code == 429  # the victim's login does not clear the attacker's throttle


async def test_the_delay_grows_with_each_failure(api, monkeypatch):
    from comments.domain.accounts import services

    await api.reader("slow@example.com", "Slow Reader")
    wrong = {"email": "slow@example.com", "password": "not the password"}
    clock = services.utcnow()
    monkeypatch.setattr(services, "utcnow", lambda: clock)
    waits = []
    for _ in range(9):
        r = await api.client.post(LOGIN, json=wrong, headers=_from("203.0.113.9"))
        if r.status_code == 429:
            wait = int(r.headers["Retry-After"])
            waits.append(wait)
            clock = clock + services.timedelta(seconds=wait)  # come back exactly when told
            monkeypatch.setattr(services, "utcnow", lambda c=clock: c)
            r = await api.client.post(LOGIN, json=wrong, headers=_from("203.0.113.9"))
        assert r.status_code == 401
    assert waits == sorted(waits), waits
    assert waits[-1] > waits[0], waits


async def test_one_address_spraying_many_accounts_is_throttled(api):
    statuses = []
    for i in range(25):
        r = await api.client.post(
            LOGIN, json={"email": f"nobody{i}@example.com", "password": "guess guess"}, headers=_from("203.0.113.50")
        )
        statuses.append(r.status_code)
    assert statuses[:20] == [401] * 20
    assert 429 in statuses[20:]
    fresh = await api.client.post(
        LOGIN, json={"email": "nobody0@example.com", "password": "guess guess"}, headers=_from("203.0.113.51")
    )
    assert fresh.status_code == 401


# 5. proxy headers: one function decides, from configured proxies only


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(settings, scorer):
    async with AsyncTestClient(app=create_app(settings, toxicity=scorer)) as client:  # trusts no proxy
        statuses = []
        for i in range(25):
            r = await client.post(
                LOGIN,
                json={"email": f"spray{i}@example.com", "password": "guess guess"},
                headers=_from(f"198.51.100.{i}"),
            )
            statuses.append(r.status_code)
    assert 429 in statuses  # every attempt counted against the real peer, whatever the header says


def test_serve_leaves_proxy_headers_to_the_app(settings, monkeypatch):
    """uvicorn must not rewrite the client address itself (it trusts 127.0.0.1 by default)."""
    import uvicorn

    from comments.cli import cli

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    env = {"COMMENTS_HOME": str(settings.home), "COMMENTS_CREATE_DEMO": "false"}
    if not settings.is_sqlite:
        env["COMMENTS_DATABASE_URL"] = settings.resolved_database_url
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False


# 6. the API docs page


async def test_the_api_docs_load_nothing_from_elsewhere(api):
    page = await api.client.get("/schema")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    assert not re.search(r"(?:src|href)\s*=\s*['\"]?(?:https?:)?//", page.text), page.text
    assert "<script>" not in page.text.replace(" ", "")  # no inline script: the CSP would refuse it
    for src in re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text):
        asset = await api.client.get(src)
        assert asset.status_code == 200, src  # served by this service
    schema = await api.client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "comments"
    licence = await api.client.get("/schema/assets/LICENSE")
    assert licence.status_code == 200
    assert "Apache License" in licence.text


# 7. OPTIONS without Origin


async def test_options_without_origin_is_never_a_500(api):
    cast = await cast_of(api)
    app: Litestar = api.client.app
    checked = 0
    for route in app.routes:
        if "OPTIONS" not in getattr(route, "methods", ()):
            continue
        path = re.sub(r"\{[^}:]+:uuid\}", "00000000-0000-7000-8000-000000000000", route.path)
        path = re.sub(r"\{([^}:]+):path\}", "x", path)
        path = re.sub(r"\{[^}]+\}", "demo", path)
        for role in ("anonymous", "admin"):
            r = await api.client.options(path, headers=cast.headers(role))
            assert r.status_code < 500, (path, role, r.text)
            assert r.status_code in {200, 204} or r.headers["content-type"].startswith("application/problem+json")
            checked += 1
    assert checked > 40


# 8. every unhandled exception logged once, with a request id the answer carries


async def test_an_unhandled_error_is_logged_once_with_the_request_id(api, monkeypatch, caplog):
    async def explode(*_args, **_kwargs):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(ThreadReads, "article_ref", explode)
    with caplog.at_level(logging.INFO):
        r = await api.client.get(api.comments_url())
    body = assert_problem(r, 500)
    assert "fire" not in r.text  # no internals to the caller
    request_id = body["request_id"]
    assert r.headers["x-request-id"] == request_id
    logged = [rec for rec in caplog.records if rec.exc_info and request_id in rec.getMessage()]
    assert len(logged) == 1, [rec.getMessage() for rec in caplog.records]
    assert logged[0].exc_info[0] is RuntimeError
    assert len([rec for rec in caplog.records if rec.exc_info]) == 1  # and nothing else logged it again


async def test_every_response_has_a_request_id(api):
    ok = await api.client.get("/health")
    missing = await api.client.get("/api/v1/sites/nowhere/articles/x/comments")
    assert ok.headers["x-request-id"]
    assert missing.headers["x-request-id"]
    assert ok.headers["x-request-id"] != missing.headers["x-request-id"]
    assert missing.json()["request_id"] == missing.headers["x-request-id"]


# 9. webhook URLs in every spelling of a private host

ODD_SPELLINGS = (
    "http://2130706433/hooks",
    "http://0x7f000001/hooks",
    "http://0177.0.0.1/hooks",
    "http://127.1/hooks",
    "http://127.0.1/hooks",
    "http://0x7f.1/hooks",
    "http://127.0.0.1./hooks",
    "http://localhost./hooks",
    "http://[::ffff:7f00:1]/hooks",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/hooks",
    "http://[::]/hooks",
    "http://[::127.0.0.1]/hooks",
    "http://[64:ff9b::a9fe:a9fe]/hooks",  # NAT64 of 169.254.169.254
    "http://[2002:a9fe:a9fe::]/hooks",  # 6to4 of 169.254.169.254
    "http://0/hooks",
    "http://012.0.0.1/hooks",  # octal 10.0.0.1
    "http://3232235521/hooks",  # 192.168.0.1
    "http://%31%32%37.0.0.1/hooks",
)


async def test_odd_spellings_of_private_hosts_are_refused_when_saved(api):
    cast = await cast_of(api)
    for url in ODD_SPELLINGS:
        r = await api.client.post(
            "/api/v1/sites/demo/webhooks", json={"url": url, "events": ["comment.held"]}, headers=cast.headers("admin")
        )
        assert r.status_code == 422, (url, r.text)
        assert r.json()["errors"][0]["pointer"] == "/url"
    public = await api.client.post(
        "/api/v1/sites/demo/webhooks",
        json={"url": "https://1572395042/hooks", "events": ["comment.held"]},  # 93.184.216.34
        headers=cast.headers("admin"),
    )
    assert public.status_code == 201, public.text
    assert public.json()["url"] == "https://93.184.216.34/hooks"  # stored as the address it means


# 10. display names imitating others


@pytest.mark.parametrize(
    "imitation",
    ["m\u0430rk", "M\u0410RK", "mark\u200b", "\u217fark", "rnark", "ｍａｒｋ"],
    ids=["cyrillic-a", "upper-cyrillic", "zero-width", "roman-numeral", "rn", "fullwidth"],
)
async def test_a_display_name_imitating_another_is_refused(api, imitation):
    mark = await api.reader("mark@example.com", "mark")
    token = await api.register("imitator@example.com")
    r = await api.client.patch(
        "/api/v1/me/profile?site=demo",
        json={"display_name": imitation, "full_name": "Ima Tator"},
        headers=api.auth(token),
    )
    assert r.status_code in {409, 422}, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    own = await api.client.patch("/api/v1/me/profile?site=demo", json={"display_name": "Mark"}, headers=api.auth(mark))
    assert own.status_code == 200, own.text  # one's own name in another case is fine


async def test_distinct_names_in_other_scripts_are_fine(api):
    await api.reader("mark@example.com", "mark")
    for i, name in enumerate(["Марк", "Μάρκος", "marc", "mark2"]):
        await api.reader(f"other{i}@example.com", name)


# 11. /ready and the demo site key


async def test_ready_shows_only_the_status_to_anonymous_callers(api):
    cast = await cast_of(api)
    anonymous = await api.client.get("/ready")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ready"}
    for role in ("reader", "moderator", "admin"):
        assert (await api.client.get("/ready", headers=cast.headers(role))).json() == {"status": "ready"}
    detailed = (await api.client.get("/ready", headers=cast.headers("superadmin"))).json()
    assert detailed["database"] == "ok"
    assert detailed["model"] == "ready"


def test_the_demo_site_key_goes_to_a_private_file(settings, monkeypatch):
    import uvicorn

    from comments.cli import cli

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    env = {"COMMENTS_HOME": str(settings.home), "COMMENTS_CREATE_DEMO": "true"}
    if not settings.is_sqlite:
        env["COMMENTS_DATABASE_URL"] = settings.resolved_database_url
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    key_file = settings.home / "demo-site-key"
    key = key_file.read_text().strip()
    assert len(key) >= 32
    assert key not in result.output
    assert str(key_file) in result.output
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_the_skeleton_migration_keeps_the_older_of_two_look_alikes(tmp_path):
    """Existing look-alikes: the older profile keeps the skeleton, the newer is left without (its name stays)."""
    import asyncio
    import uuid
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from comments.cli import upgrade_schema
    from comments.config import Settings
    from comments.db import Profile

    settings = Settings(home=tmp_path, create_demo=False)
    upgrade_schema(settings, "96893b6e3e26")
    now = datetime.now(UTC)
    names = [("mark", now), ("m\u0430rk", now + timedelta(seconds=1)), ("Anna", now)]

    async def run(work):
        engine = create_async_engine(settings.resolved_database_url)
        async with engine.begin() as conn:
            result = await work(conn)
        await engine.dispose()
        return result

    async def seed(conn):
        for i, (name, at) in enumerate(names):
            uid = uuid.uuid4().bytes
            await conn.execute(
                text(
                    "INSERT INTO user_account (id, email, password_hash, is_superadmin, created_at, updated_at)"
                    " VALUES (:id, :email, 'x', 0, :at, :at)"
                ),
                {"id": uid, "email": f"u{i}@example.com", "at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO profile (id, user_id, display_name, created_at, updated_at)"
                    " VALUES (:id, :uid, :name, :at, :at)"
                ),
                {"id": uuid.uuid4().bytes, "uid": uid, "name": name, "at": at},
            )

    async def read(conn):
        return dict((await conn.execute(select(Profile.display_name, Profile.display_name_skeleton))).all())

    asyncio.run(run(seed))
    upgrade_schema(settings)
    assert asyncio.run(run(read)) == {"mark": "rnark", "m\u0430rk": None, "Anna": "anna"}


# 3. a database connection lost under a request (the scenario with real terminations: test_probe_scenarios)


@pytest.mark.parametrize("failure", ["lost-connection", "sqlite-busy"])
async def test_a_request_whose_connection_was_lost_runs_again(api, monkeypatch, caplog, failure):
    import sqlite3

    from sqlalchemy.exc import DBAPIError, OperationalError

    real = ThreadReads.article_ref
    calls = []

    async def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            if failure == "lost-connection":
                raise DBAPIError("SELECT 1", {}, ConnectionResetError("terminated"), connection_invalidated=True)
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(ThreadReads, "article_ref", flaky)
    with caplog.at_level(logging.INFO):
        r = await api.client.get(api.comments_url())
    assert r.status_code == 200, r.text
    assert len(calls) == 2
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


async def test_a_connection_that_stays_lost_is_a_500_logged_once(api, monkeypatch, caplog):
    from sqlalchemy.exc import DBAPIError

    async def dead(self, *args, **kwargs):
        raise DBAPIError("SELECT 1", {}, ConnectionResetError("terminated"), connection_invalidated=True)

    monkeypatch.setattr(ThreadReads, "article_ref", dead)
    with caplog.at_level(logging.INFO):
        r = await api.client.get(api.comments_url())
    body = assert_problem(r, 500)
    assert len([rec for rec in caplog.records if rec.exc_info and body["request_id"] in rec.getMessage()]) == 1
