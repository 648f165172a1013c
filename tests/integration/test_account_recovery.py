"""Email verification and password reset, end to end through a real SMTP conversation (aiosmtpd on
loopback): register, receive the mail, verify; forget the password, reset it from the mail, and find the
old sessions ended."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from comments.app import create_app
from comments.db import AccountToken, MailMessage
from tests.smtp import link_token, smtp_server
from tests.support import Api, db_run, set_rules

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def mailed(settings, scorer):
    """(api, inbox): the app with its mail worker talking SMTP to a server on loopback."""
    with smtp_server() as (inbox, port):
        smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off")
        async with AsyncTestClient(app=create_app(smtp, toxicity=scorer)) as client:
            api = Api(client, smtp)
            await api.create_demo()
            yield api, inbox


async def _register(api, email):
    r = await api.client.post("/api/v1/auth/register?site=demo", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["token"]


async def _login(api, email, password=PASSWORD):
    return await api.client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_the_newcomers_whole_path(mailed):
    api, inbox = mailed
    token = await _register(api, "newcomer@example.com")
    me = (await api.client.get("/api/v1/me", headers=api.auth(token))).json()
    assert me["user"]["email_verified"] is False

    [mail] = await inbox.wait_for("newcomer@example.com")
    verify = link_token(mail, "verify")
    r = await api.client.post("/api/v1/auth/verify-email", json={"token": verify})
    assert r.status_code == 200, r.text
    me = (await api.client.get("/api/v1/me", headers=api.auth(token))).json()
    assert me["user"]["email_verified"] is True
    again = await api.client.post("/api/v1/auth/verify-email", json={"token": verify})
    assert again.status_code == 400
    assert again.json()["type"] == "/problems/invalid-token"

    second = (await _login(api, "newcomer@example.com")).json()["token"]
    r = await api.client.post("/api/v1/auth/password-reset?site=demo", json={"email": "newcomer@example.com"})
    assert r.status_code == 202
    mails = await inbox.wait_for("newcomer@example.com", count=2)
    reset = link_token(mails[1], "reset")
    assert "/account?site=demo#reset=" in mails[1].get_body(("plain",)).get_content()

    weak = await api.client.post("/api/v1/auth/password-reset/complete", json={"token": reset, "password": "short"})
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["pointer"] == "/password"
    done = await api.client.post(
        "/api/v1/auth/password-reset/complete", json={"token": reset, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200, done.text
    for old in (token, second):  # every session ended
        assert (await api.client.get("/api/v1/me", headers=api.auth(old))).status_code == 401
    assert (await _login(api, "newcomer@example.com")).status_code == 401
    assert (await _login(api, "newcomer@example.com", NEW_PASSWORD)).status_code == 200
    reused = await api.client.post(
        "/api/v1/auth/password-reset/complete", json={"token": reset, "password": NEW_PASSWORD}
    )
    assert reused.status_code == 400
    assert reused.json()["type"] == "/problems/invalid-token"
    changed = await inbox.wait_for("newcomer@example.com", count=3)
    assert "was changed" in changed[2]["Subject"]


async def test_tokens_are_stored_hashed_and_expire(api):
    token = await api.register("t@example.com")
    [mail] = await db_run(api.settings, lambda s: _scalars(s, select(MailMessage)))
    verify = mail.text_body.split("#verify=")[1].split()[0]
    [row] = await db_run(api.settings, lambda s: _scalars(s, select(AccountToken)))
    assert row.token_hash != verify
    assert len(row.token_hash) == 64
    assert verify not in row.token_hash
    lifetime = (row.expires_at - row.created_at).total_seconds()
    assert abs(lifetime - api.settings.email_verification_ttl_seconds) < 5

    async def expire(session):
        await session.execute(update(AccountToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    await db_run(api.settings, expire)
    r = await api.client.post("/api/v1/auth/verify-email", json={"token": verify})
    assert r.status_code == 400
    me = (await api.client.get("/api/v1/me", headers=api.auth(token))).json()
    assert me["user"]["email_verified"] is False


async def _scalars(session, query):
    return list((await session.scalars(query)).all())


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": "x" * 201}, {"token": 5}, {"token": "a", "x": 1}])
async def test_bad_verification_bodies_are_4xx(api, body):
    r = await api.client.post("/api/v1/auth/verify-email", json=body)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_reset_request_answers_the_same_for_unknown_addresses(api):
    await api.register("known@example.com")
    url = "/api/v1/auth/password-reset"
    known = await api.client.post(url, json={"email": "known@example.com"})
    unknown = await api.client.post(url, json={"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.headers.get("content-length") == unknown.headers.get("content-length")
    mails = await db_run(api.settings, lambda s: _scalars(s, select(MailMessage.to_address)))
    assert mails.count("known@example.com") == 2
    assert "ghost@example.com" not in mails


async def test_a_reset_request_takes_the_same_time_either_way(api):
    await api.register("timed@example.com")
    url = "/api/v1/auth/password-reset"

    async def timed(email):
        started = time.perf_counter()
        r = await api.client.post(url, json={"email": email})
        assert r.status_code == 202
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(3):  # 3 per account per hour send mail; past that the work is smaller still
        known.append(await timed("timed@example.com"))
        unknown.append(await timed("nobody@example.com"))
    # Both wait out the same floor; a mail queued or not differs by milliseconds. Generous for a busy CI.
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.15, (known, unknown)
    assert min(known + unknown) >= 0.39


async def test_reset_mails_are_throttled_per_account_silently(api):
    await api.register("busy@example.com")
    for _ in range(5):
        r = await api.client.post("/api/v1/auth/password-reset", json={"email": "busy@example.com"})
        assert r.status_code == 202
    rows = await db_run(api.settings, lambda s: _scalars(s, select(MailMessage.template)))
    assert rows.count("reset_password") == api.settings.password_resets_per_hour


async def test_reset_requests_are_throttled_per_network(settings, scorer):
    limited = replace(settings, reset_requests_per_network_per_hour=3)
    async with AsyncTestClient(app=create_app(limited, toxicity=scorer)) as client:
        answers = [
            (await client.post("/api/v1/auth/password-reset", json={"email": f"n{i}@example.com"})).status_code
            for i in range(4)
        ]
        last = await client.post("/api/v1/auth/password-reset", json={"email": "n9@example.com"})
    assert answers == [202, 202, 202, 429]
    assert int(last.headers["retry-after"]) > 0


async def test_a_bad_reset_request_email_is_422(api):
    r = await api.client.post("/api/v1/auth/password-reset", json={"email": "not an email"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/email"
    assert (await api.client.post("/api/v1/auth/password-reset?site=nope", json={"email": "a@b.cd"})).status_code == 404


async def test_a_verification_token_cannot_reset_a_password(api):
    await api.register("mix@example.com")
    [mail] = await db_run(api.settings, lambda s: _scalars(s, select(MailMessage)))
    verify = mail.text_body.split("#verify=")[1].split()[0]
    r = await api.client.post("/api/v1/auth/password-reset/complete", json={"token": verify, "password": NEW_PASSWORD})
    assert r.status_code == 400


async def test_resending_the_verification_mail(api):
    token = await api.register("again@example.com")
    url = "/api/v1/me/email/verification?site=demo"
    assert (await api.client.post(url)).status_code == 401
    answers = [(await api.client.post(url, headers=api.auth(token))).status_code for _ in range(5)]
    assert answers == [202, 202, 202, 202, 429]  # the registration mail counts: 5 per hour


async def test_a_site_can_require_a_verified_email_to_comment(api):
    await set_rules(
        api.settings,
        {"profile": {"required_fields": ["display_name", "email_verified"], "minimum_age": None}},
    )
    token = await api.register("gate@example.com")
    await api.complete_profile(token, "Gatekeeper")
    me = (await api.client.get("/api/v1/me?site=demo", headers=api.auth(token))).json()
    assert me["missing_fields"] == ["email_verified"]
    assert me["profile_complete"] is False
    refused = await api.post(token, "Let me in, please.")
    assert refused.status_code == 403
    assert refused.json()["missing_fields"] == ["email_verified"]

    rows = await db_run(api.settings, lambda s: _scalars(s, select(MailMessage)))
    verify = rows[0].text_body.split("#verify=")[1].split()[0]
    assert (await api.client.post("/api/v1/auth/verify-email", json={"token": verify})).status_code == 200
    assert (await api.post(token, "Let me in, please.")).status_code == 201


async def test_changing_the_email_sends_a_verification_to_the_new_address(mailed):
    api, inbox = mailed
    token = await _register(api, "old@example.com")
    [first] = await inbox.wait_for("old@example.com")
    old_link = link_token(first, "verify")
    await api.register("taken@example.com")
    url = "/api/v1/me/email?site=demo"
    wrong = await api.client.post(
        url, json={"email": "new@example.com", "password": "nope nope"}, headers=api.auth(token)
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/password"
    taken = await api.client.post(
        url, json={"email": "Taken@example.com", "password": PASSWORD}, headers=api.auth(token)
    )
    assert taken.status_code == 409
    bad = await api.client.post(url, json={"email": "nope", "password": PASSWORD}, headers=api.auth(token))
    assert bad.status_code == 422
    r = await api.client.post(url, json={"email": "New@example.com", "password": PASSWORD}, headers=api.auth(token))
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "new@example.com"
    assert r.json()["email_verified"] is False

    [notice] = [m for m in await inbox.wait_for("old@example.com", count=2) if "changed" in m["Subject"]]
    assert "new@example.com" in notice.get_body(("plain",)).get_content()
    [mail] = await inbox.wait_for("new@example.com")
    # The link mailed to the old address does not confirm the new one.
    stale = await api.client.post("/api/v1/auth/verify-email", json={"token": old_link})
    assert stale.status_code == 400
    assert (
        await api.client.post("/api/v1/auth/verify-email", json={"token": link_token(mail, "verify")})
    ).status_code == 200
    me = (await api.client.get("/api/v1/me", headers=api.auth(token))).json()
    assert me["user"]["email"] == "new@example.com"
    assert me["user"]["email_verified"] is True
    assert (await _login(api, "new@example.com")).status_code == 200
