"""A reader's own data: the export, deleting the account (comments kept as "deleted account" or removed,
per site; the audit log keeps a pseudonymous id), and the purge of stored client addresses."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
from sqlalchemy import func, select, update

from comments.db import AuditEntry, LoginFailure, Profile, ResetRequest, SessionToken, User
from comments.domain.accounts.retention import purge_personal_data
from tests.integration.test_sso import _set_secret
from tests.support import cast_of, db_run, seed_comment, set_rules

PASSWORD = "correct horse battery"


async def test_the_export_holds_everything_about_the_reader(api):
    cast = await cast_of(api)
    reader = cast.tokens["reader"]
    posted = (await api.post(reader, "My considered opinion on the matter.")).json()
    other = (await api.post(cast.tokens["moderator"], "A remark worth reporting.")).json()
    r = await api.client.post(
        f"/api/v1/comments/{other['id']}/reports", json={"reason": "spam"}, headers=api.auth(reader)
    )
    assert r.status_code == 201
    url = f"/api/v1/sites/demo/users/{cast.ids['reader']}/sanctions"
    warned = await api.client.post(
        url, json={"kind": "warn", "reason": "Keep it civil."}, headers=cast.headers("moderator")
    )
    assert warned.status_code == 201
    held = await seed_comment(api.settings, cast.ids["reader"], "A held one.", status="held")

    export = (await api.client.get("/api/v1/me/export", headers=api.auth(reader))).json()
    assert export["account"]["email"] == "reader@example.com"
    assert export["profile"]["display_name"] == "Reader One"
    assert export["profiles_per_site"] == [
        {"site": "demo", "accepted_rules_version": 1, "accepted_at": export["profiles_per_site"][0]["accepted_at"]}
    ]
    comments = {c["id"]: c for c in export["comments"]}
    assert comments[posted["id"]]["status"] == "published"
    assert comments[posted["id"]]["body"] == "My considered opinion on the matter."
    assert comments[str(held.id)]["status"] == "held"
    assert comments[str(held.id)]["reasons"][0]["code"] == "toxicity"
    assert [(x["comment_id"], x["reason"]) for x in export["reports"]] == [(other["id"], "spam")]
    assert [(x["site"], x["kind"], x["reason"]) for x in export["sanctions"]] == [("demo", "warn", "Keep it civil.")]
    assert len(export["sessions"]) >= 1
    assert other["id"] not in comments  # someone else's comment is not in my export


async def test_deleting_keeps_comments_as_deleted_account_by_default(api):
    cast = await cast_of(api)
    reader = cast.tokens["reader"]
    posted = (await api.post(reader, "Something I said once.")).json()
    reply = (await api.post(cast.tokens["moderator"], "A reply to it.", parent_id=posted["id"])).json()
    assert reply["status"] == "published"
    url = f"/api/v1/sites/demo/users/{cast.ids['reader']}/sanctions"
    await api.client.post(url, json={"kind": "warn", "reason": "Careful."}, headers=cast.headers("moderator"))

    assert "Reader One" in str(await api.thread())  # the public page is cached with the name in it
    wrong = await api.client.post("/api/v1/me/delete", json={"password": "not my password"}, headers=api.auth(reader))
    assert wrong.status_code == 422
    empty = await api.client.post("/api/v1/me/delete", json={}, headers=api.auth(reader))
    assert empty.status_code == 400
    r = await api.client.post("/api/v1/me/delete", json={"password": PASSWORD}, headers=api.auth(reader))
    assert r.status_code == 204, r.text

    assert (await api.client.get("/api/v1/me", headers=api.auth(reader))).status_code == 401
    login = await api.client.post("/api/v1/auth/login", json={"email": "reader@example.com", "password": PASSWORD})
    assert login.status_code == 401
    thread = await api.thread()
    [kept] = [c for c in thread["items"] if c["id"] == posted["id"]]
    assert kept["body"] == "Something I said once."
    assert kept["author"]["display_name"] is None
    assert kept["author"]["deleted_account"] is True  # shown as "deleted account"
    assert "Reader One" not in str(thread)

    user = await db_run(api.settings, lambda s: s.get(User, cast.ids["reader"]))
    assert user.deleted_at is not None
    assert "reader@example.com" not in user.email
    assert user.password_hash == ""
    profiles = await db_run(
        api.settings, lambda s: s.scalar(select(func.count()).select_from(Profile).where(Profile.user_id == user.id))
    )
    assert profiles == 0
    sessions = await db_run(
        api.settings,
        lambda s: s.scalar(select(func.count()).select_from(SessionToken).where(SessionToken.user_id == user.id)),
    )
    assert sessions == 0
    # The audit log still names the sanctioned reader, by the pseudonymous id only.
    entries = await db_run(
        api.settings, lambda s: _all(s, select(AuditEntry).where(AuditEntry.target_user_id == user.id))
    )
    assert entries
    # The address is free for a new account.
    assert (
        await api.client.post("/api/v1/auth/register", json={"email": "reader@example.com", "password": PASSWORD})
    ).status_code == 201


async def _all(session, query):
    return list((await session.scalars(query)).all())


async def test_a_site_can_have_a_deleted_accounts_comments_removed(api):
    await set_rules(api.settings, {"account": {"deleted_account_comments": "remove"}})
    token = await api.reader("gone@example.com", "Soon Gone")
    posted = (await api.post(token, "Please forget this.")).json()
    r = await api.client.post("/api/v1/me/delete", json={"password": PASSWORD}, headers=api.auth(token))
    assert r.status_code == 204
    thread = await api.thread()
    assert posted["id"] not in [c["id"] for c in thread["items"]]
    assert "Please forget this." not in str(thread)


async def test_an_sso_account_is_deleted_with_a_fresh_token(api):
    secret = await _set_secret(api.settings)
    now = int(time.time())
    login = await api.client.post(
        "/api/v1/auth/sso",
        json={
            "site": "demo",
            "token": jwt.encode({"sub": "s1", "iat": now, "exp": now + 60}, secret, algorithm="HS256"),
        },
    )
    token = login.json()["token"]
    stale = jwt.encode({"sub": "s1", "iat": now - 400, "exp": now + 60}, secret, algorithm="HS256")
    r = await api.client.post("/api/v1/me/delete", json={"site": "demo", "sso_token": stale}, headers=api.auth(token))
    assert r.status_code == 401
    someone_else = jwt.encode({"sub": "s2", "iat": now, "exp": now + 60}, secret, algorithm="HS256")
    r = await api.client.post(
        "/api/v1/me/delete", json={"site": "demo", "sso_token": someone_else}, headers=api.auth(token)
    )
    assert r.status_code == 401
    fresh = jwt.encode({"sub": "s1", "iat": now, "exp": now + 60}, secret, algorithm="HS256")
    r = await api.client.post("/api/v1/me/delete", json={"site": "demo", "sso_token": fresh}, headers=api.auth(token))
    assert r.status_code == 204
    # Logging in again with the publisher's token makes a new, empty account: the old one is gone.
    again = await api.client.post("/api/v1/auth/sso", json={"site": "demo", "token": fresh})
    assert again.status_code == 200
    assert again.json()["user"]["id"] != login.json()["user"]["id"]


async def test_stored_addresses_are_purged_after_the_retention_period(api, reader_token):
    old = datetime.now(UTC) - timedelta(days=api.settings.address_retention_days + 1)

    async def seed(session):
        session.add(LoginFailure(email="x@example.com", client_address="203.0.113.9", created_at=old))
        session.add(LoginFailure(email="y@example.com", client_address="203.0.113.10"))
        session.add(ResetRequest(network="203.0.113.0/24", created_at=old))
        await session.execute(update(SessionToken).values(last_used_at=old, network="203.0.113.0/24"))

    await db_run(api.settings, seed)
    counts = await db_run(api.settings, lambda s: purge_personal_data(s, api.settings))
    assert counts["login_failures"] == 1
    assert counts["reset_requests"] == 1
    assert counts["session_networks"] >= 1
    left = await db_run(api.settings, lambda s: _all(s, select(LoginFailure.email)))
    assert left == ["y@example.com"]
    networks = await db_run(api.settings, lambda s: _all(s, select(SessionToken.network)))
    assert set(networks) == {None}
    # A live session unused for a while keeps working; it has only forgotten where it was used.
    assert (await api.client.get("/api/v1/me", headers=api.auth(reader_token))).status_code == 200


async def test_deleted_users_id_is_not_reused(api):
    token = await api.register("once@example.com")
    me = (await api.client.get("/api/v1/me", headers=api.auth(token))).json()
    await api.client.post("/api/v1/me/delete", json={"password": PASSWORD}, headers=api.auth(token))
    again = await api.register("once@example.com")
    me2 = (await api.client.get("/api/v1/me", headers=api.auth(again))).json()
    assert UUID(me["user"]["id"]) != UUID(me2["user"]["id"])
