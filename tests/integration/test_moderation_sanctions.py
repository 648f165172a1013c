"""Sanctions: warn (acknowledge to post again), suspend until a time, ban (optionally rejecting what waits
in the queue); enforced by the posting gate; lifted, never deleted; audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from comments.clock import utcnow
from comments.db import Sanction
from tests.support import audit_actions, cast_of, comment_row, db_run, queue, seed_comment


@pytest.fixture
async def cast(api):
    return await cast_of(api)


def sanctions_url(user_id, site="demo") -> str:
    return f"/api/v1/sites/{site}/users/{user_id}/sanctions"


async def sanction(api, cast, body, *, role="moderator", target="reader"):
    return await api.client.post(sanctions_url(cast.ids[target]), json=body, headers=cast.headers(role))


async def test_a_warning_blocks_posting_until_acknowledged(api, cast, settings):
    r = await sanction(api, cast, {"kind": "warn", "reason": "Keep it civil, please."})
    assert r.status_code == 201, r.text
    warning = r.json()
    assert warning["active"] is True
    blocked = await api.post(cast.tokens["reader"], "Can I post?")
    assert blocked.status_code == 403
    assert blocked.json()["type"] == "/problems/warning-unacknowledged"
    mine = (await api.client.get("/api/v1/me/sanctions?site=demo", headers=cast.headers("reader"))).json()
    [seen] = mine["items"]
    assert seen["reason"] == "Keep it civil, please."
    assert seen["needs_acknowledgement"] is True
    ack = await api.client.post(f"/api/v1/me/sanctions/{warning['id']}/acknowledge", headers=cast.headers("reader"))
    assert ack.status_code == 200
    assert ack.json()["needs_acknowledgement"] is False
    again = await api.client.post(f"/api/v1/me/sanctions/{warning['id']}/acknowledge", headers=cast.headers("reader"))
    assert again.status_code == 200
    assert (await api.post(cast.tokens["reader"], "Can I post now?")).status_code == 201
    assert [e.action for e in await audit_actions(settings, target_user_id=cast.ids["reader"])] == [
        "user.warned",
        "sanction.acknowledged",
    ]


async def test_only_the_warned_reader_acknowledges_and_only_warnings(api, cast):
    warning = (await sanction(api, cast, {"kind": "warn", "reason": "Careful."})).json()
    other = await api.reader("other@example.com", "Other")
    r = await api.client.post(f"/api/v1/me/sanctions/{warning['id']}/acknowledge", headers=api.auth(other))
    assert r.status_code == 404
    ban = (await sanction(api, cast, {"kind": "ban", "reason": "Enough."})).json()
    r = await api.client.post(f"/api/v1/me/sanctions/{ban['id']}/acknowledge", headers=cast.headers("reader"))
    assert r.status_code == 409


async def test_a_suspension_blocks_posting_until_it_ends(api, cast, settings):
    r = await sanction(api, cast, {"kind": "suspend", "reason": "Cool off.", "duration_hours": 24})
    assert r.status_code == 201
    suspension = r.json()
    assert suspension["until"] is not None
    blocked = await api.post(cast.tokens["reader"], "Let me in")
    assert blocked.status_code == 403
    assert blocked.json()["kind"] == "suspend"

    async def end(session):
        await session.execute(update(Sanction).values(until=utcnow() - timedelta(seconds=1)))

    await db_run(settings, end)
    assert (await api.post(cast.tokens["reader"], "Back again")).status_code == 201
    listed = (await api.client.get(sanctions_url(cast.ids["reader"]), headers=cast.headers("moderator"))).json()
    assert [(s["kind"], s["active"]) for s in listed["items"]] == [("suspend", False)]


async def test_a_ban_can_reject_everything_waiting_in_the_queue(api, cast, settings):
    held = [await seed_comment(settings, cast.ids["reader"], f"held {i}") for i in range(2)]
    elsewhere = await seed_comment(settings, cast.ids["reader"], "on the other site", site="other")
    r = await sanction(
        api, cast, {"kind": "ban", "reason": "Spam account.", "reject_held": True, "reject_reason_code": "spam"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["rejected_comments"] == 2
    assert (await queue(api, cast.tokens["moderator"]))["items"] == []
    for comment in held:
        assert (await comment_row(settings, comment.id)).status == "rejected"
    assert (await comment_row(settings, elsewhere.id)).status == "held"
    rejections = await audit_actions(settings, action="comment.rejected")
    assert {e.reason for e in rejections} == {"spam"}
    assert len(rejections) == 2
    blocked = await api.post(cast.tokens["reader"], "Let me in")
    assert blocked.status_code == 403
    assert blocked.json()["kind"] == "ban"


async def test_lifting_a_ban(api, cast, settings):
    ban = (await sanction(api, cast, {"kind": "ban", "reason": "Trolling."})).json()
    lift_url = f"{sanctions_url(cast.ids['reader'])}/{ban['id']}/lift"
    r = await api.client.post(lift_url, json={"note": "Appeal accepted."}, headers=cast.headers("moderator"))
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    assert r.json()["lifted_at"] is not None
    again = await api.client.post(lift_url, headers=cast.headers("moderator"))
    assert again.status_code == 200
    assert (await api.post(cast.tokens["reader"], "Thank you")).status_code == 201
    lifted = await audit_actions(settings, action="sanction.lifted")
    assert [(e.actor_id, e.note) for e in lifted] == [(cast.ids["moderator"], "Appeal accepted.")]
    assert [e.action for e in await audit_actions(settings, target_user_id=cast.ids["reader"])] == [
        "user.banned",
        "sanction.lifted",
    ]


async def test_a_sanction_is_per_site(api, cast):
    r = await sanction(api, cast, {"kind": "ban", "reason": "Not welcome here."})
    assert r.status_code == 201
    other_site = (await api.client.get("/api/v1/me/sanctions?site=other", headers=cast.headers("reader"))).json()
    assert other_site["items"] == []
    listed = await api.client.get(sanctions_url(cast.ids["reader"], "other"), headers=cast.headers("other_moderator"))
    assert listed.json()["items"] == []
    ban_id = r.json()["id"]
    lift = await api.client.post(
        f"{sanctions_url(cast.ids['reader'], 'other')}/{ban_id}/lift", headers=cast.headers("other_moderator")
    )
    assert lift.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "suspend", "reason": "x"},
        {"kind": "suspend", "reason": "x", "until": "2001-01-01T00:00:00Z"},
        {"kind": "suspend", "reason": "x", "until": "2999-01-01T00:00:00Z", "duration_hours": 1},
        {"kind": "ban", "reason": "x", "duration_hours": 1},
        {"kind": "warn", "reason": "x", "until": "2999-01-01T00:00:00Z"},
    ],
)
async def test_invalid_sanctions_are_422(api, cast, body):
    assert (await sanction(api, cast, body)).status_code == 422


async def test_staff_and_unknown_users_cannot_be_sanctioned(api, cast):
    for target in ("admin", "superadmin", "moderator"):
        r = await sanction(api, cast, {"kind": "ban", "reason": "x"}, role="admin", target=target)
        assert r.status_code == 403, target
    r = await api.client.post(
        sanctions_url("00000000-0000-0000-0000-000000000000"),
        json={"kind": "ban", "reason": "x"},
        headers=cast.headers("moderator"),
    )
    assert r.status_code == 404
    assert (await sanction(api, cast, {"kind": "jail", "reason": "x"})).status_code == 400
    assert (await sanction(api, cast, {"kind": "ban", "reason": ""})).status_code == 400
