"""The audit log API (filters, pages, append-only) and the stats, on a seeded history; the pipeline hook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from comments.clock import utcnow
from comments.db import Article, AuditEntry, Comment
from comments.domain.comments.events import comment_stored
from tests.support import audit_actions, cast_of, db_run, decide, rule_reason, seed_comment, toxicity_reason


@pytest.fixture
async def cast(api):
    return await cast_of(api)


async def log(api, cast, role="moderator", site="demo", **params):
    r = await api.client.get(f"/api/v1/sites/{site}/moderation/log", params=params, headers=cast.headers(role))
    assert r.status_code == 200, r.text
    return r.json()


async def test_every_action_lands_in_the_log_and_filters_find_it(api, cast, settings):
    a = await seed_comment(settings, cast.ids["reader"], "first")
    b = await seed_comment(settings, cast.ids["admin"], "second")
    await seed_comment(settings, cast.ids["reader"], "elsewhere", site="other")
    assert (await decide(api, cast.tokens["moderator"], a.id, "reject", 1, reason_code="spam")).status_code == 200
    assert (await decide(api, cast.tokens["admin"], b.id, "approve", 1)).status_code == 200
    r = await api.client.post(
        f"/api/v1/sites/demo/users/{cast.ids['reader']}/sanctions",
        json={"kind": "warn", "reason": "Mind your language."},
        headers=cast.headers("moderator"),
    )
    assert r.status_code == 201
    entries = (await log(api, cast))["items"]
    assert [e["action"] for e in entries] == ["user.warned", "comment.approved", "comment.rejected"]
    rejected = entries[2]
    assert rejected["actor"] == {"id": str(cast.ids["moderator"]), "display_name": "Mod"}
    assert rejected["comment_id"] == str(a.id)
    assert rejected["before"]["status"] == "held"
    assert rejected["after"]["status"] == "rejected"
    assert rejected["reason"] == "spam"

    def actions(page):
        return [e["action"] for e in page["items"]]

    assert actions(await log(api, cast, actor=str(cast.ids["admin"]))) == ["comment.approved"]
    assert actions(await log(api, cast, target_user=str(cast.ids["reader"]))) == ["user.warned", "comment.rejected"]
    assert actions(await log(api, cast, comment=str(b.id))) == ["comment.approved"]
    assert actions(await log(api, cast, action="comment.rejected")) == ["comment.rejected"]
    assert actions(await log(api, cast, action="comment.")) == ["comment.approved", "comment.rejected"]
    assert actions(await log(api, cast, since=(utcnow() + timedelta(minutes=1)).isoformat())) == []
    assert actions(await log(api, cast, until=(utcnow() - timedelta(minutes=1)).isoformat())) == []
    # Pages, newest first.
    first = await log(api, cast, limit=2)
    rest = await log(api, cast, limit=2, cursor=first["next_cursor"])
    assert actions(first) + actions(rest) == ["user.warned", "comment.approved", "comment.rejected"]
    assert rest["next_cursor"] is None
    # The other site's log is its own.
    assert (await log(api, cast, role="other_moderator", site="other"))["items"] == []


async def test_the_log_is_append_only(api, cast, settings):
    a = await seed_comment(settings, cast.ids["reader"])
    assert (await decide(api, cast.tokens["moderator"], a.id, "reject", 1, reason_code="spam")).status_code == 200

    async def tamper(session):
        await session.execute(update(AuditEntry).values(note="nothing happened"))

    with pytest.raises(Exception, match="append-only"):
        await db_run(settings, tamper)


async def test_stats_on_a_seeded_history(api, cast, settings):
    """Comments that waited 1-4 hours, decided now; one still waits; one was never in the queue."""
    now = utcnow()
    reader = cast.ids["reader"]

    async def held(hours, label="toxicity"):
        return await seed_comment(
            settings,
            reader,
            f"held {hours}h ago",
            reasons=[toxicity_reason(label, 0.9)],
            scores={label: 0.9},
            created_at=now - timedelta(hours=hours),
        )

    a, b, c, d = await held(1), await held(2), await held(3), await held(4, "insult")
    e = await seed_comment(settings, reader, "published", status="published", created_at=now - timedelta(hours=5))
    await held(10)  # still waiting
    moderator = cast.tokens["moderator"]
    for comment, action, code in ((a, "reject", "spam"), (b, "reject", "abusive"), (c, "approve", None)):
        assert (
            await decide(api, moderator, comment.id, action, 1, **({"reason_code": code} if code else {}))
        ).status_code == 200
    assert (await decide(api, moderator, d.id, "reject", 1, reason_code="abusive")).status_code == 200
    assert (await decide(api, moderator, e.id, "reject", 1, reason_code="off_topic")).status_code == 200

    r = await api.client.get(
        "/api/v1/sites/demo/moderation/stats",
        params={"since": (now - timedelta(hours=12)).isoformat(), "bucket": "hour"},
        headers=cast.headers("admin"),
    )
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["bucket"] == "hour"
    assert stats["queue_depth"] == 1
    depths = [p["depth"] for p in stats["depth_over_time"]]
    assert len(depths) in (12, 13)  # whole hours since then, and now
    assert depths[0] == 0  # 11 hours ago nothing waited yet
    assert max(depths) == 5
    assert depths[-1] == 1
    ttd = stats["time_to_decision"]
    assert ttd["decisions"] == 4
    assert ttd["median_seconds"] == pytest.approx(2.5 * 3600, abs=120)
    assert ttd["p90_seconds"] == pytest.approx(4 * 3600, abs=120)
    assert stats["decisions_by_reason"] == [
        {"action": "reject", "reason_code": "abusive", "count": 2},
        {"action": "approve", "reason_code": None, "count": 1},
        {"action": "reject", "reason_code": "off_topic", "count": 1},
        {"action": "reject", "reason_code": "spam", "count": 1},
    ]
    labels = {q["label"]: q for q in stats["labels"]}
    assert labels["toxicity"] == {
        "label": "toxicity",
        "auto_held_decided": 3,
        "auto_held_rejected": 2,
        "precision": pytest.approx(0.6667),
        "moderator_rejected": 4,
        "model_flagged": 2,
        "recall": 0.5,
    }
    assert labels["insult"]["precision"] == 1.0
    assert labels["insult"]["recall"] == 0.25


async def test_stats_defaults_and_limits(api, cast):
    url = "/api/v1/sites/demo/moderation/stats"
    r = await api.client.get(url, headers=cast.headers("moderator"))
    assert r.status_code == 200
    assert r.json()["bucket"] == "day"
    # Every label of the default policy is listed (v5: six), toxicity among them.
    assert "toxicity" in [q["label"] for q in r.json()["labels"]]
    assert r.json()["time_to_decision"] == {"decisions": 0, "median_seconds": None, "p90_seconds": None}
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert (await api.client.get(url, params={"since": future}, headers=cast.headers("moderator"))).status_code == 422
    old = (utcnow() - timedelta(days=30)).isoformat()
    r = await api.client.get(url, params={"since": old, "bucket": "hour"}, headers=cast.headers("moderator"))
    assert r.status_code == 422


async def test_the_pipeline_hook_audits_holds_and_rejections(api, cast, settings):
    """What CommentService calls when it stores a comment (tested here directly)."""
    held = await seed_comment(
        settings, cast.ids["reader"], reasons=[toxicity_reason("insult", 0.8), rule_reason("caps")]
    )
    rejected = await seed_comment(
        settings, cast.ids["reader"], status="rejected", reasons=[rule_reason("banned_word", "reject")]
    )
    published = await seed_comment(settings, cast.ids["reader"], status="published")

    async def store(session):
        for comment_id in (held.id, rejected.id, published.id):
            comment = await session.get(Comment, comment_id)
            article = await session.scalar(select(Article).where(Article.id == comment.article_id))
            await comment_stored(session, comment, article)

    await db_run(settings, store)
    entries = await audit_actions(settings, target_user_id=cast.ids["reader"])
    assert [(e.action, e.actor_id, e.reason) for e in entries] == [
        ("comment.held", None, "toxicity"),
        ("comment.auto_rejected", None, "banned_word"),
    ]
    assert entries[0].after["toxicity_labels"] == ["insult"]
    assert entries[0].after["reason_codes"] == ["caps", "toxicity"]
