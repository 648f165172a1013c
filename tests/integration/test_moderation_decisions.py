"""Decisions: approve and reject, their effect on the thread and the author, 409 on stale versions,
idempotent retries, races, bulk decisions, and the audit entries they write."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import audit_actions, cast_of, comment_row, decide, queue, seed_comment


@pytest.fixture
async def cast(api):
    return await cast_of(api)


async def test_approve_publishes_at_once_and_the_author_sees_why(api, cast):
    held = (await api.post(cast.tokens["reader"], "You are an idiot, minister.")).json()
    assert held["status"] == "held"
    r = await decide(api, cast.tokens["moderator"], held["id"], "approve", 1, note="Strong but fair.")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "action": "approve",
        "changed": True,
        "comment": {"id": held["id"], "status": "published", "version": 2, "flagged": False, "open_reports": 0},
    }
    thread = await api.thread()
    assert [c["body"] for c in thread["items"]] == ["You are an idiot, minister."]
    own = (await api.thread(cast.tokens["reader"]))["items"][0]
    assert own["status"] == "published"
    assert [r["code"] for r in own["reasons"]] == ["moderator_approved"]  # the hold reason no longer applies
    assert (await queue(api, cast.tokens["moderator"]))["items"] == []


async def test_reject_with_a_reason_the_author_sees(api, cast, settings):
    held = (await api.post(cast.tokens["reader"], "You moron.")).json()
    r = await decide(api, cast.tokens["moderator"], held["id"], "reject", 1, reason_code="abusive", note="Insult.")
    assert r.status_code == 200, r.text
    assert r.json()["comment"]["status"] == "rejected"
    own = (await api.thread(cast.tokens["reader"]))["items"][0]
    assert own["status"] == "rejected"
    [toxicity, moderator] = own["reasons"]
    assert toxicity["code"] == "toxicity"
    assert moderator == {
        "code": "moderator_rejected",
        "action": "reject",
        "message": "A moderator removed your comment because it is abusive towards others.",
    }
    assert (await api.thread())["items"] == []
    [entry] = await audit_actions(settings, action="comment.rejected")
    assert entry.actor_id == cast.ids["moderator"]
    assert str(entry.comment_id) == held["id"]
    assert entry.target_user_id == cast.ids["reader"]
    assert entry.reason == "abusive"
    assert entry.note == "Insult."
    assert entry.before["status"] == "held"
    assert entry.before["toxicity_labels"] == ["toxicity"]
    assert entry.before["queued_at"] is not None
    assert entry.after == {"status": "rejected", "version": 2}


async def test_reject_a_published_comment_and_overturn_a_rejection(api, cast):
    posted = (await api.post(cast.tokens["reader"], "A civil but off-topic remark.")).json()
    assert posted["status"] == "published"
    r = await decide(api, cast.tokens["moderator"], posted["id"], "reject", 1, reason_code="off_topic")
    assert r.status_code == 200
    assert (await api.thread())["items"] == []
    r = await decide(api, cast.tokens["admin"], posted["id"], "approve", 2, note="It was on topic after all.")
    assert r.status_code == 200
    assert r.json()["comment"]["status"] == "published"
    assert [c["body"] for c in (await api.thread())["items"]] == ["A civil but off-topic remark."]
    own = (await api.thread(cast.tokens["reader"]))["items"][0]
    assert [reason["code"] for reason in own["reasons"]] == ["moderator_approved"]


async def test_a_stale_version_is_409_with_the_current_state(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    first = await decide(api, cast.tokens["moderator"], comment.id, "reject", 1, reason_code="spam")
    assert first.status_code == 200
    second = await decide(api, cast.tokens["admin"], comment.id, "approve", 1)
    assert second.status_code == 409
    problem = second.json()
    assert problem["type"] == "/problems/stale-decision"
    assert problem["current"] == {
        "id": str(comment.id),
        "status": "rejected",
        "version": 2,
        "flagged": False,
        "open_reports": 0,
    }
    # The same decision by someone else is also stale: they did not see the first one.
    assert (await decide(api, cast.tokens["admin"], comment.id, "reject", 1, reason_code="spam")).status_code == 409


async def test_repeating_your_own_decision_is_harmless(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    answers = [
        await decide(api, cast.tokens["moderator"], comment.id, "reject", 1, reason_code="spam") for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["changed"] for a in answers] == [True, False, False]
    assert (await comment_row(settings, comment.id)).version == 2
    assert len(await audit_actions(settings, action="comment.rejected")) == 1
    # A different decision from the stale version is a conflict, not a replay.
    assert (await decide(api, cast.tokens["moderator"], comment.id, "approve", 1)).status_code == 409


async def test_approving_what_needs_nothing_changes_nothing(api, cast):
    posted = (await api.post(cast.tokens["reader"], "Nothing wrong here.")).json()
    r = await decide(api, cast.tokens["moderator"], posted["id"], "approve", 1)
    assert r.status_code == 200
    assert r.json()["changed"] is False
    assert r.json()["comment"]["version"] == 1


async def test_two_moderators_racing_exactly_one_wins(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    answers = await asyncio.gather(
        decide(api, cast.tokens["moderator"], comment.id, "approve", 1),
        decide(api, cast.tokens["admin"], comment.id, "reject", 1, reason_code="spam"),
        decide(api, cast.tokens["superadmin"], comment.id, "reject", 1, reason_code="abusive"),
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409]
    row = await comment_row(settings, comment.id)
    assert row.version == 2
    decisions = [e for e in await audit_actions(settings, comment_id=comment.id) if e.action.startswith("comment.")]
    assert len(decisions) == 1


async def test_deleted_comments_cannot_be_decided(api, cast, settings):
    posted = (await api.post(cast.tokens["reader"], "Soon deleted.")).json()
    r = await api.client.delete(f"/api/v1/comments/{posted['id']}", headers=api.auth(cast.tokens["reader"]))
    assert r.status_code == 204
    r = await decide(api, cast.tokens["moderator"], posted["id"], "reject", 2, reason_code="spam")
    assert r.status_code == 409
    assert r.json()["current"]["status"] == "deleted"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"action": "reject", "version": 1}, "/reason_code"),
        ({"action": "reject", "version": 1, "reason_code": "other"}, "/note"),
        ({"action": "approve", "version": 1, "reason_code": "spam"}, "/reason_code"),
    ],
)
async def test_incomplete_decisions_are_422(api, cast, settings, body, pointer):
    comment = await seed_comment(settings, cast.ids["reader"])
    r = await api.client.post(
        f"/api/v1/moderation/comments/{comment.id}/decision", json=body, headers=cast.headers("moderator")
    )
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == [pointer]


async def test_unknown_reason_codes_and_actions_are_400(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    url = f"/api/v1/moderation/comments/{comment.id}/decision"
    for body in (
        {"action": "reject", "version": 1, "reason_code": "ugly"},
        {"action": "delete", "version": 1},
        {"action": "approve"},
    ):
        assert (await api.client.post(url, json=body, headers=cast.headers("moderator"))).status_code == 400


async def test_bulk_decisions_answer_per_comment(api, cast, settings):
    spam = [await seed_comment(settings, cast.ids["reader"], f"buy pills {i}") for i in range(3)]
    other_site = await seed_comment(settings, cast.ids["reader"], "elsewhere", site="other")
    stale = spam[2]
    assert (await decide(api, cast.tokens["admin"], stale.id, "approve", 1)).status_code == 200
    items = [{"id": str(c.id), "version": 1} for c in spam] + [{"id": str(other_site.id), "version": 1}]
    r = await api.client.post(
        "/api/v1/sites/demo/moderation/decisions",
        json={"action": "reject", "reason_code": "spam", "items": items},
        headers=cast.headers("moderator"),
    )
    assert r.status_code == 200, r.text
    outcome = r.json()
    assert outcome["decided"] == 2
    by_id = {result["id"]: result for result in outcome["results"]}
    assert [by_id[str(c.id)]["status"] for c in spam] == [200, 200, 409]
    assert by_id[str(stale.id)]["problem"] == "/problems/stale-decision"
    assert by_id[str(stale.id)]["comment"]["status"] == "published"
    assert by_id[str(other_site.id)]["status"] == 404
    assert by_id[str(other_site.id)]["comment"] is None
    for comment in spam[:2]:
        assert (await comment_row(settings, comment.id)).status == "rejected"
    assert len(await audit_actions(settings, action="comment.rejected")) == 2


async def test_bulk_limits(api, cast):
    url = "/api/v1/sites/demo/moderation/decisions"
    too_many = [{"id": "00000000-0000-0000-0000-000000000000", "version": 1}] * 101
    r = await api.client.post(url, json={"action": "approve", "items": too_many}, headers=cast.headers("moderator"))
    assert r.status_code == 400
    r = await api.client.post(url, json={"action": "approve", "items": []}, headers=cast.headers("moderator"))
    assert r.status_code == 400
