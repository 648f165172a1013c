"""Site staff: admins grant and revoke roles through the API, operators through the CLI; both audited."""

from __future__ import annotations

import anyio.to_thread
import pytest
from click.testing import CliRunner

from comments.cli import cli
from tests.support import audit_actions, cast_of, queue, seed_comment


@pytest.fixture
async def cast(api):
    return await cast_of(api)


def member_url(user_id, site="demo") -> str:
    return f"/api/v1/sites/{site}/members/{user_id}"


async def test_an_admin_makes_a_reader_a_moderator_and_takes_it_back(api, cast, settings):
    reader = cast.ids["reader"]
    await seed_comment(settings, cast.ids["admin"], "waiting")
    denied = await api.client.get("/api/v1/sites/demo/moderation/queue", headers=cast.headers("reader"))
    assert denied.status_code == 403
    r = await api.client.put(member_url(reader), json={"role": "moderator"}, headers=cast.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "moderator"
    assert r.json()["email"] == "reader@example.com"
    assert r.json()["display_name"] == "Reader One"
    assert len((await queue(api, cast.tokens["reader"]))["items"]) == 1
    assert (await api.client.get(member_url(reader), headers=cast.headers("admin"))).json()["role"] == "moderator"
    promoted = await api.client.put(member_url(reader), json={"role": "admin"}, headers=cast.headers("admin"))
    assert promoted.json()["role"] == "admin"
    listed = (await api.client.get("/api/v1/sites/demo/members", headers=cast.headers("admin"))).json()
    assert {(m["email"], m["role"]) for m in listed["items"]} == {
        ("mod@example.com", "moderator"),
        ("admin@example.com", "admin"),
        ("reader@example.com", "admin"),
    }
    assert (await api.client.delete(member_url(reader), headers=cast.headers("admin"))).status_code == 204
    assert (await api.client.get(member_url(reader), headers=cast.headers("admin"))).status_code == 404
    assert (await api.client.delete(member_url(reader), headers=cast.headers("admin"))).status_code == 404
    denied = await api.client.get("/api/v1/sites/demo/moderation/queue", headers=cast.headers("reader"))
    assert denied.status_code == 403
    entries = await audit_actions(settings, target_user_id=reader)
    assert [(e.action, e.actor_id, e.before, e.after) for e in entries] == [
        ("member.granted", cast.ids["admin"], {"role": None}, {"role": "moderator"}),
        ("member.granted", cast.ids["admin"], {"role": "moderator"}, {"role": "admin"}),
        ("member.revoked", cast.ids["admin"], {"role": "admin"}, {"role": None}),
    ]


async def test_granting_the_same_role_again_changes_nothing(api, cast, settings):
    for _ in range(2):
        r = await api.client.put(
            member_url(cast.ids["reader"]), json={"role": "moderator"}, headers=cast.headers("admin")
        )
        assert r.status_code == 200
    assert len(await audit_actions(settings, action="member.granted", target_user_id=cast.ids["reader"])) == 1


async def test_admins_cannot_change_their_own_role_but_superadmins_can(api, cast):
    r = await api.client.delete(member_url(cast.ids["admin"]), headers=cast.headers("admin"))
    assert r.status_code == 403
    r = await api.client.put(
        member_url(cast.ids["superadmin"]), json={"role": "admin"}, headers=cast.headers("superadmin")
    )
    assert r.status_code == 200


async def test_bad_member_requests(api, cast):
    r = await api.client.put(member_url(cast.ids["reader"]), json={"role": "owner"}, headers=cast.headers("admin"))
    assert r.status_code == 400
    r = await api.client.put(
        member_url("00000000-0000-0000-0000-000000000000"), json={"role": "moderator"}, headers=cast.headers("admin")
    )
    assert r.status_code == 404


async def test_the_cli_grants_and_revokes_with_an_audit_entry(api, cast, settings):
    env = {"COMMENTS_HOME": str(settings.home)}
    if not settings.is_sqlite:
        env["COMMENTS_DATABASE_URL"] = settings.resolved_database_url

    def invoke(*args):
        return anyio.to_thread.run_sync(lambda: CliRunner().invoke(cli, list(args), env=env))

    result = await invoke("site", "grant", "demo", "Reader@Example.com", "moderator")
    assert result.exit_code == 0, result.output
    assert len((await queue(api, cast.tokens["reader"]))["items"]) == 0
    result = await invoke("site", "revoke", "demo", "reader@example.com")
    assert result.exit_code == 0, result.output
    assert "no longer" in result.output
    result = await invoke("site", "revoke", "demo", "reader@example.com")
    assert "had no role" in result.output
    assert (await invoke("site", "revoke", "demo", "nobody@example.com")).exit_code != 0
    assert (await invoke("site", "grant", "nosuchsite", "reader@example.com", "admin")).exit_code != 0
    entries = await audit_actions(settings, target_user_id=cast.ids["reader"])
    assert [(e.action, e.actor_id, e.note) for e in entries] == [
        ("member.granted", None, "comments CLI"),
        ("member.revoked", None, "comments CLI"),
    ]
