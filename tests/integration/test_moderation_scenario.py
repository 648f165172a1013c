"""The issue's 'done when', end to end on the demo site: a moderator takes a newcomer's toxic comment from
the queue, sees why it was held, rejects it with a reason and suspends the author for a day; the hold,
the rejection and the suspension are in the audit log; the author sees the rejection and cannot post
until the suspension ends; a second moderator acting on the same comment gets a 409."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from comments.clock import utcnow
from comments.db import Sanction
from tests.support import db_run, decide, queue, staff


async def test_done_when(api, settings):
    moderator = await staff(api, "first.mod@example.com", "moderator")
    second = await staff(api, "second.mod@example.com", "moderator")
    newcomer = await api.reader("newcomer@example.com", "Newcomer")
    posted = await api.post(newcomer, "You are a moron and so is everyone who agrees with you.")
    assert posted.json()["status"] == "held"

    # The moderator finds it in the queue, and sees why it was held.
    [item] = (await queue(api, moderator))["items"]
    assert item["comment"]["id"] == posted.json()["id"]
    assert item["author"]["account_age_days"] == 0
    assert [(r["code"], r["detail"]["label"]) for r in item["reasons"]] == [("toxicity", "toxicity")]
    assert item["scores"]["toxicity"] > 0.9
    claim = await api.client.post(
        f"/api/v1/moderation/comments/{item['comment']['id']}/claim", headers=api.auth(moderator)
    )
    assert claim.status_code == 200

    # Rejects it with a reason, and suspends the author for a day.
    version = item["comment"]["version"]
    rejected = await decide(api, moderator, item["comment"]["id"], "reject", version, reason_code="abusive")
    assert rejected.status_code == 200, rejected.text
    author_id = item["author"]["id"]
    suspended = await api.client.post(
        f"/api/v1/sites/demo/users/{author_id}/sanctions",
        json={"kind": "suspend", "reason": "Insulting other readers.", "duration_hours": 24},
        headers=api.auth(moderator),
    )
    assert suspended.status_code == 201, suspended.text

    # A second moderator, looking at the same version, gets a 409 with what happened.
    late = await decide(api, second, item["comment"]["id"], "approve", version)
    assert late.status_code == 409
    assert late.json()["current"]["status"] == "rejected"

    # The audit log has all three: the pipeline's hold, the rejection with its reason, the suspension.
    log = await api.client.get("/api/v1/sites/demo/moderation/log", headers=api.auth(moderator))
    entries = {e["action"]: e for e in log.json()["items"]}
    assert [e["action"] for e in log.json()["items"]] == ["user.suspended", "comment.rejected", "comment.held"]
    assert entries["comment.held"]["actor"] is None
    assert entries["comment.held"]["reason"] == "toxicity"
    assert entries["comment.rejected"]["reason"] == "abusive"
    assert entries["comment.rejected"]["comment_id"] == item["comment"]["id"]
    assert entries["user.suspended"]["target_user_id"] == author_id
    assert entries["user.suspended"]["after"]["until"] is not None

    # The author sees the rejection and why, and cannot post until the suspension ends.
    [own] = (await api.thread(newcomer))["items"]
    assert own["status"] == "rejected"
    assert "abusive" in own["reasons"][-1]["message"]
    blocked = await api.post(newcomer, "Sorry about that.")
    assert blocked.status_code == 403
    assert blocked.json()["type"] == "/problems/sanctioned"

    async def a_day_later(session):
        await session.execute(update(Sanction).values(until=utcnow() - timedelta(seconds=1)))

    await db_run(settings, a_day_later)
    assert (await api.post(newcomer, "Sorry about that.")).status_code == 201
