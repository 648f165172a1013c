"""Reader reports: who may report, once per comment, the rate limit, and the threshold that puts a
published comment in the queue (visible, or hidden when the site says so)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from comments.clock import utcnow
from comments.db import Report
from tests.support import audit_actions, cast_of, db_run, decide, queue, set_rules


@pytest.fixture
async def cast(api):
    return await cast_of(api)


def report_url(comment_id) -> str:
    return f"/api/v1/comments/{comment_id}/reports"


async def report(api, token, comment_id, reason="abusive", **extra):
    return await api.client.post(report_url(comment_id), json={"reason": reason, **extra}, headers=api.auth(token))


async def test_a_report_is_received_once_per_reader(api, cast):
    posted = (await api.post(cast.tokens["moderator"], "Something contested.")).json()
    r = await report(api, cast.tokens["reader"], posted["id"], "misinformation", note="The numbers are wrong.")
    assert r.status_code == 201, r.text
    assert r.json()["reason"] == "misinformation"
    assert r.json()["note"] == "The numbers are wrong."
    again = await report(api, cast.tokens["reader"], posted["id"])
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-reported"


async def test_who_may_report_what(api, cast, settings):
    posted = (await api.post(cast.tokens["moderator"], "Reportable.")).json()
    assert (await api.client.post(report_url(posted["id"]), json={"reason": "spam"})).status_code == 401
    own = await report(api, cast.tokens["moderator"], posted["id"])
    assert own.status_code == 403
    incomplete = await api.register("incomplete@example.com")
    r = await report(api, incomplete, posted["id"])
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/profile-incomplete"
    assert "display_name" in r.json()["missing_fields"]
    # Held comments of others are invisible to readers: 404, as for one that does not exist.
    held = (await api.post(cast.tokens["admin"], "You idiot.")).json()
    assert (await report(api, cast.tokens["reader"], held["id"])).status_code == 404
    assert (await report(api, cast.tokens["reader"], "00000000-0000-0000-0000-000000000000")).status_code == 404
    assert (await report(api, cast.tokens["reader"], posted["id"], "other")).status_code == 422
    assert (await report(api, cast.tokens["reader"], posted["id"], "boring")).status_code == 400


async def test_sanctioned_readers_cannot_report(api, cast):
    posted = (await api.post(cast.tokens["moderator"], "Reportable.")).json()
    r = await api.client.post(
        f"/api/v1/sites/demo/users/{cast.ids['reader']}/sanctions",
        json={"kind": "ban", "reason": "Brigading."},
        headers=cast.headers("moderator"),
    )
    assert r.status_code == 201, r.text
    assert (await report(api, cast.tokens["reader"], posted["id"])).status_code == 403


async def test_reports_are_rate_limited(api, cast, settings):
    ids = [(await api.post(cast.tokens["moderator"], f"Comment {i}.")).json()["id"] for i in range(5)]
    ids += [(await api.post(cast.tokens["admin"], f"Comment {i}.")).json()["id"] for i in range(5, 7)]
    for comment_id in ids[:5]:
        assert (await report(api, cast.tokens["reader"], comment_id, "spam")).status_code == 201
    limited = await report(api, cast.tokens["reader"], ids[5], "spam")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1

    async def age(session):
        await session.execute(update(Report).values(created_at=utcnow() - timedelta(minutes=2)))

    await db_run(settings, age)
    assert (await report(api, cast.tokens["reader"], ids[5], "spam")).status_code == 201


async def test_reaching_the_threshold_puts_a_visible_comment_in_the_queue(api, cast, settings):
    await set_rules(settings, {"reports": {"threshold": 2}})
    posted = (await api.post(cast.tokens["admin"], "A contested but civil comment.")).json()
    readers = [cast.tokens["reader"], await api.reader("r2@example.com", "Reader Two")]
    assert (await report(api, readers[0], posted["id"])).status_code == 201
    assert (await queue(api, cast.tokens["moderator"]))["items"] == []
    assert (await report(api, readers[1], posted["id"], "hate_speech")).status_code == 201
    [item] = (await queue(api, cast.tokens["moderator"]))["items"]
    assert item["why"] == ["reported"]
    assert item["open_reports"] == 2
    assert [(r["reason"]) for r in item["reports"]] == ["abusive", "hate_speech"]
    # Still visible to readers meanwhile.
    assert [c["id"] for c in (await api.thread())["items"]] == [posted["id"]]
    [entry] = await audit_actions(settings, action="comment.reported")
    assert entry.actor_id is None
    assert entry.after["open_reports"] == 2
    # A moderator keeps it: it leaves the queue, and earlier reports no longer count.
    r = await decide(api, cast.tokens["moderator"], posted["id"], "approve", 1)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] is True
    assert (await queue(api, cast.tokens["moderator"]))["items"] == []
    third = await api.reader("r3@example.com", "Reader Three")
    assert (await report(api, third, posted["id"])).status_code == 201
    assert (await queue(api, cast.tokens["moderator"]))["items"] == []


async def test_hidden_while_reported_when_the_site_says_so(api, cast, settings):
    await set_rules(settings, {"reports": {"threshold": 1, "hide_when_reported": True}})
    posted = (await api.post(cast.tokens["admin"], "Hide me when reported.")).json()
    assert (await report(api, cast.tokens["reader"], posted["id"], "personal_information")).status_code == 201
    assert (await api.thread())["items"] == []
    own = (await api.thread(cast.tokens["admin"]))["items"][0]
    assert own["status"] == "held"
    assert own["reasons"][-1]["code"] == "reported"
    [item] = (await queue(api, cast.tokens["moderator"]))["items"]
    assert item["why"] == ["held", "reported"]
    assert item["comment"]["version"] == 2
    r = await decide(api, cast.tokens["moderator"], posted["id"], "reject", 2, reason_code="personal_information")
    assert r.status_code == 200
    own = (await api.thread(cast.tokens["admin"]))["items"][0]
    assert [reason["code"] for reason in own["reasons"]] == ["moderator_rejected"]


async def test_a_reported_hidden_comment_cannot_be_edited_past_review(api, cast, settings):
    await set_rules(settings, {"reports": {"threshold": 1, "hide_when_reported": True}})
    posted = (await api.post(cast.tokens["reader"], "A borderline remark.")).json()
    other = await api.reader("r2@example.com", "Reader Two")
    assert (await report(api, other, posted["id"])).status_code == 201
    edit = await api.client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "A harmless remark."}, headers=api.auth(cast.tokens["reader"])
    )
    assert edit.status_code == 409
