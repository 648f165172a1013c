"""Register, log in, log out, sessions, throttling, rehash."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from comments.app import create_app
from comments.db import SessionToken, User
from comments.db.engine import sqlalchemy_config
from comments.domain.accounts.tokens import token_hash

PASSWORD = "correct horse battery"


async def test_register_gives_a_working_token(client):
    r = await client.post("/api/v1/auth/register", json={"email": " Reader@Example.COM ", "password": PASSWORD})
    assert r.status_code == 201
    body = r.json()
    assert body["user"]["email"] == "reader@example.com"
    assert len(body["token"]) >= 43  # 256 random bits, base64url
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "reader@example.com"


async def test_emails_are_unique_case_insensitively(client):
    await client.post("/api/v1/auth/register", json={"email": "a@example.com", "password": PASSWORD})
    r = await client.post("/api/v1/auth/register", json={"email": "A@EXAMPLE.com", "password": PASSWORD})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "/email"),
        ({"email": "a@example.com", "password": "short"}, "/password"),
    ],
)
async def test_registration_problems_name_the_field(client, body, pointer):
    r = await client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == [pointer]


async def test_tokens_are_stored_only_as_hashes(client, settings):
    r = await client.post("/api/v1/auth/register", json={"email": "h@example.com", "password": PASSWORD})
    token = r.json()["token"]
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        stored = (await session.scalars(select(SessionToken.token_hash))).all()
        user = await session.scalar(select(User))
    await config.get_engine().dispose()
    assert stored == [token_hash(token)]
    assert token not in stored
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_login_and_logout(client):
    await client.post("/api/v1/auth/register", json={"email": "l@example.com", "password": PASSWORD})
    r = await client.post("/api/v1/auth/login", json={"email": "L@example.com", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/v1/auth/logout", headers=auth)).status_code == 204
    after = await client.get("/api/v1/me", headers=auth)
    assert after.status_code == 401
    assert after.json()["type"] == "/problems/unauthenticated"


async def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    await client.post("/api/v1/auth/register", json={"email": "known@example.com", "password": PASSWORD})
    wrong = await client.post("/api/v1/auth/login", json={"email": "known@example.com", "password": "nope nope nope"})
    unknown = await client.post("/api/v1/auth/login", json={"email": "ghost@example.com", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    same = {k: v for k, v in wrong.json().items() if k != "request_id"}  # each answer has its own request id
    assert same == {k: v for k, v in unknown.json().items() if k != "request_id"}


@pytest.mark.slow  # real argon2 parameters, timed
async def test_unknown_email_costs_a_password_verification(tmp_path):
    """Similar time for unknown email and wrong password: both run argon2 (timed with real parameters).
    No database: once, not once per backend."""
    from comments.config import Settings
    from comments.domain.accounts.passwords import Passwords

    passwords = Passwords(Settings(home=tmp_path))
    stored = passwords.hash_sync(PASSWORD)
    timings = {}
    for label, hashed in (("wrong", stored), ("unknown", None)):
        start = time.perf_counter()
        for _ in range(3):
            assert not await passwords.verify(hashed, "wrong password!")
        timings[label] = (time.perf_counter() - start) / 3
    assert 0.5 < timings["unknown"] / timings["wrong"] < 2.0


async def test_failed_logins_are_throttled_per_account(settings, scorer):
    app = create_app(replace(settings, login_max_failures=3), toxicity=scorer)
    async with AsyncTestClient(app=app) as client:
        await client.post("/api/v1/auth/register", json={"email": "t@example.com", "password": PASSWORD})
        for _ in range(3):
            r = await client.post("/api/v1/auth/login", json={"email": "t@example.com", "password": "bad password!"})
            assert r.status_code == 401
        r = await client.post("/api/v1/auth/login", json={"email": "t@example.com", "password": PASSWORD})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert r.json()["retry_after"] == int(r.headers["retry-after"])


async def test_failed_logins_are_throttled_per_address(settings, scorer):
    app = create_app(replace(settings, login_max_failures=1), toxicity=scorer)  # 4 per address
    async with AsyncTestClient(app=app) as client:
        for i in range(4):
            r = await client.post(
                "/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": "bad password!"}
            )
            assert r.status_code == 401
        r = await client.post("/api/v1/auth/login", json={"email": "fresh@example.com", "password": "bad password!"})
        assert r.status_code == 429


async def test_password_is_rehashed_on_login_when_parameters_change(settings, scorer):
    async with AsyncTestClient(app=create_app(settings, toxicity=scorer)) as client:
        await client.post("/api/v1/auth/register", json={"email": "r@example.com", "password": PASSWORD})
    stronger = replace(settings, argon2_time_cost=2)
    async with AsyncTestClient(app=create_app(stronger, toxicity=scorer)) as client:
        r = await client.post("/api/v1/auth/login", json={"email": "r@example.com", "password": PASSWORD})
        assert r.status_code == 200
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        user = await session.scalar(select(User))
    await config.get_engine().dispose()
    assert ",t=2," in user.password_hash


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500])
async def test_malformed_authorization_headers_are_401(offline_client, header):
    r = await offline_client.get("/api/v1/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_token_is_401(client):
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-real-token"})
    assert r.status_code == 401
    assert r.json()["code"] == "session-expired"  # not "log in": the reader had a session


async def test_me_needs_login(offline_client):
    r = await offline_client.get("/api/v1/me")
    assert r.status_code == 401


def test_default_argon2_parameters_meet_rfc_9106_second_option():
    from comments.config import Settings

    s = Settings()
    # Each parameter on its own: a tuple comparison would pass t=4, m=1 KiB.
    assert s.argon2_time_cost >= 3
    assert s.argon2_memory_cost_kib >= 65536
    assert s.argon2_parallelism >= 4
