"""The moderation queue: what an item carries, filters, sorts, cursor pages, counts per reason, claims."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from comments.clock import utcnow
from comments.db import Claim, Sanction, SanctionKind
from tests.support import (
    cast_of,
    db_run,
    queue,
    rule_reason,
    seed_comment,
    set_rules,
    staff,
    toxicity_reason,
    user_by_email,
)


@pytest.fixture
async def cast(api):
    return await cast_of(api)


async def test_a_toxic_comment_from_a_newcomer_shows_why_it_was_held(api, cast):
    parent = (await api.post(cast.tokens["admin"], "The sanctions debate, again.")).json()
    newcomer = await api.reader("new@example.com", "Newcomer")
    posted = await api.post(newcomer, "You are an idiot.", parent_id=parent["id"])
    assert posted.json()["status"] == "held"

    page = await queue(api, cast.tokens["moderator"])
    [item] = page["items"]
    assert item["comment"]["id"] == posted.json()["id"]
    assert item["comment"]["body"] == "You are an idiot."
    assert item["comment"]["version"] == 1
    assert item["why"] == ["held"]
    assert item["article"] == {
        "id": api.article,
        "title": "Putin warns Washington over Tomahawk missiles for Ukraine",
        "url": "http://127.0.0.1:8000/demo",
    }
    assert item["parent"]["body"] == "The sanctions debate, again."
    assert item["parent"]["author_name"] == "Admin"
    assert item["author"]["display_name"] == "Newcomer"
    assert item["author"]["account_age_days"] == 0
    assert item["author"]["counts"] == {"published": 0, "held": 1, "rejected": 0}
    assert item["author"]["active_sanctions"] == []
    assert item["scores"]["toxicity"] == pytest.approx(0.99)
    [reason] = item["reasons"]
    assert reason["code"] == "toxicity"
    assert reason["detail"]["label"] == "toxicity"
    assert item["reports"] == []
    assert item["claim"] is None
    assert page["next_cursor"] is None


async def test_the_queue_holds_held_flagged_and_reported_comments_only(api, cast, settings):
    author = cast.ids["reader"]
    held = await seed_comment(settings, author, "held one")
    flagged = await seed_comment(
        settings,
        author,
        "SHOUTING BUT PUBLISHED",
        status="published",
        flagged=True,
        reasons=[rule_reason("caps", "flag")],
    )
    await seed_comment(settings, author, "a fine published comment", status="published")
    await seed_comment(settings, author, "rejected long ago", status="rejected")
    items = (await queue(api, cast.tokens["moderator"]))["items"]
    assert [(i["comment"]["body"], i["why"]) for i in items] == [
        ("held one", ["held"]),
        ("SHOUTING BUT PUBLISHED", ["flagged"]),
    ]
    assert {i["comment"]["id"] for i in items} == {str(held.id), str(flagged.id)}


async def test_a_moderator_of_another_site_sees_nothing_of_this_one(api, cast, settings):
    await seed_comment(settings, cast.ids["reader"], "demo's business")
    await seed_comment(settings, cast.ids["reader"], "other's business", site="other")
    other = await queue(api, cast.tokens["other_moderator"], site="other")
    assert [i["comment"]["body"] for i in other["items"]] == ["other's business"]
    denied = await api.client.get("/api/v1/sites/demo/moderation/queue", headers=cast.headers("other_moderator"))
    assert denied.status_code == 403


async def test_filters(api, cast, settings):
    reader, other = cast.ids["reader"], cast.ids["admin"]
    await seed_comment(settings, reader, "insulting", reasons=[toxicity_reason("insult", 0.8)], scores={"insult": 0.8})
    await seed_comment(settings, reader, "mildly toxic", scores={"toxicity": 0.55})
    await seed_comment(
        settings, other, "too many links", reasons=[rule_reason("too_many_links")], scores={"toxicity": 0.1}
    )
    await seed_comment(settings, other, "elsewhere", article="another-story", scores={"toxicity": 0.7})
    token = cast.tokens["moderator"]

    def bodies(page):
        return sorted(i["comment"]["body"] for i in page["items"])

    assert bodies(await queue(api, token, reason="too_many_links")) == ["too many links"]
    assert bodies(await queue(api, token, reason="toxicity")) == ["elsewhere", "insulting", "mildly toxic"]
    assert bodies(await queue(api, token, author=str(other))) == ["elsewhere", "too many links"]
    assert bodies(await queue(api, token, article="another-story")) == ["elsewhere"]
    assert bodies(await queue(api, token, min_score=0.5, max_score=0.6)) == ["mildly toxic"]
    assert bodies(await queue(api, token, label="insult", min_score=0.5)) == ["insulting"]
    assert bodies(await queue(api, token, reported="true")) == []
    missing = await api.client.get("/api/v1/sites/demo/moderation/queue?article=nope", headers=api.auth(token))
    assert missing.status_code == 404
    bad = await api.client.get("/api/v1/sites/demo/moderation/queue?label=DROP%20TABLE", headers=api.auth(token))
    assert bad.status_code == 400


async def test_sorts_and_cursor_pages(api, cast, settings):
    base = utcnow() - timedelta(hours=1)
    scores = [0.6, 0.95, None, 0.7, 0.8]
    for i, score in enumerate(scores):
        await seed_comment(
            settings,
            cast.ids["reader"],
            f"comment {i}",
            scores=None if score is None else {"toxicity": score},
            reasons=[rule_reason("classifier_unavailable")] if score is None else None,
            created_at=base + timedelta(minutes=i),
        )
    token = cast.tokens["moderator"]

    async def walk(**params):
        seen, cursor = [], None
        while True:
            page = await queue(api, token, limit=2, **params, **({"cursor": cursor} if cursor else {}))
            assert len(page["items"]) <= 2
            seen += [i["comment"]["body"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return seen

    assert await walk() == [f"comment {i}" for i in range(5)]
    assert await walk(sort="toxicity") == ["comment 1", "comment 4", "comment 3", "comment 0", "comment 2"]
    first = await queue(api, token, limit=2)
    wrong_sort = await api.client.get(
        f"/api/v1/sites/demo/moderation/queue?sort=reports&cursor={first['next_cursor']}", headers=api.auth(token)
    )
    assert wrong_sort.status_code == 422
    junk = await api.client.get("/api/v1/sites/demo/moderation/queue?cursor=junk", headers=api.auth(token))
    assert junk.status_code == 422


async def test_most_reported_first(api, cast, settings):
    await set_rules(settings, {"reports": {"threshold": 1}})
    first = (await api.post(cast.tokens["moderator"], "Once reported.")).json()["id"]
    second = (await api.post(cast.tokens["admin"], "Twice reported.")).json()["id"]
    reporters = [cast.tokens["reader"], await api.reader("r2@example.com", "Reader Two")]
    for token in reporters:
        r = await api.client.post(
            f"/api/v1/comments/{second}/reports", json={"reason": "spam"}, headers=api.auth(token)
        )
        assert r.status_code == 201, r.text
    r = await api.client.post(
        f"/api/v1/comments/{first}/reports", json={"reason": "abusive"}, headers=api.auth(reporters[0])
    )
    assert r.status_code == 201
    page = await queue(api, cast.tokens["moderator"], sort="reports")
    assert [(i["comment"]["id"], i["open_reports"]) for i in page["items"]] == [(second, 2), (first, 1)]
    assert page["items"][0]["why"] == ["reported"]
    assert [r["reason"] for r in page["items"][0]["reports"]] == ["spam", "spam"]
    reported_only = await queue(api, cast.tokens["moderator"], reported="true")
    assert len(reported_only["items"]) == 2
    page_one = await queue(api, cast.tokens["moderator"], sort="reports", limit=1)
    page_two = await queue(api, cast.tokens["moderator"], sort="reports", limit=1, cursor=page_one["next_cursor"])
    assert [p["items"][0]["comment"]["id"] for p in (page_one, page_two)] == [second, first]
    assert page_two["next_cursor"] is None


async def test_counts_per_reason(api, cast, settings):
    author = cast.ids["reader"]
    await seed_comment(settings, author, "a", reasons=[toxicity_reason("toxicity", 0.9), rule_reason("too_many_links")])
    await seed_comment(settings, author, "b")
    await seed_comment(settings, author, "c", reasons=[rule_reason("classifier_unavailable")], scores={})
    await seed_comment(settings, author, "d", status="published", flagged=True, reasons=[rule_reason("caps", "flag")])
    r = await api.client.get("/api/v1/sites/demo/moderation/queue/counts", headers=cast.headers("moderator"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "total": 4,
        "held": 3,
        "reported": 0,
        "flagged": 1,
        "by_reason": {"toxicity": 2, "too_many_links": 1, "classifier_unavailable": 1, "caps": 1},
    }


async def test_author_history_and_sanctions_come_with_the_item(api, cast, settings):
    author = cast.ids["reader"]
    for status in ("published", "published", "rejected"):
        await seed_comment(settings, author, f"earlier {status}", status=status)
    await seed_comment(settings, author, "now held")
    user = await user_by_email(settings, "reader@example.com")

    async def suspend(session):
        from sqlalchemy import select

        from comments.db import Site

        site = await session.scalar(select(Site).where(Site.slug == "demo"))
        session.add(
            Sanction(
                user_id=user.id,
                site_id=site.id,
                kind=SanctionKind.SUSPEND,
                until=utcnow() + timedelta(days=1),
                reason="abuse",
            )
        )
        session.add(
            Sanction(
                user_id=user.id,
                site_id=site.id,
                kind=SanctionKind.SUSPEND,
                until=utcnow() - timedelta(days=1),
                reason="old",
            )
        )

    await db_run(settings, suspend)
    [item] = (await queue(api, cast.tokens["moderator"]))["items"]
    assert item["author"]["counts"] == {"published": 2, "held": 1, "rejected": 1}
    assert [(s["kind"], s["reason"]) for s in item["author"]["active_sanctions"]] == [("suspend", "abuse")]


# claims


async def test_claims_keep_two_moderators_apart_and_expire(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    url = f"/api/v1/moderation/comments/{comment.id}/claim"
    mine = await api.client.post(url, json={"minutes": 3}, headers=cast.headers("moderator"))
    assert mine.status_code == 200, mine.text
    assert mine.json()["mine"] is True
    # Others see it claimed, and cannot claim or decide it meanwhile.
    [item] = (await queue(api, cast.tokens["admin"]))["items"]
    assert item["claim"]["moderator_name"] == "Mod"
    assert item["claim"]["mine"] is False
    taken = await api.client.post(url, headers=cast.headers("admin"))
    assert taken.status_code == 409
    assert taken.json()["type"] == "/problems/claimed"
    assert taken.json()["claim"]["moderator_name"] == "Mod"
    blocked = await api.client.post(
        f"/api/v1/moderation/comments/{comment.id}/decision",
        json={"action": "approve", "version": 1},
        headers=cast.headers("admin"),
    )
    assert blocked.status_code == 409
    # Claiming again extends one's own claim.
    again = await api.client.post(url, json={"minutes": 10}, headers=cast.headers("moderator"))
    assert again.status_code == 200
    assert again.json()["expires_at"] > mine.json()["expires_at"]

    async def expire(session):
        await session.execute(update(Claim).values(expires_at=utcnow() - timedelta(seconds=1)))

    await db_run(settings, expire)
    assert (await queue(api, cast.tokens["admin"]))["items"][0]["claim"] is None
    took_over = await api.client.post(url, headers=cast.headers("admin"))
    assert took_over.status_code == 200
    assert took_over.json()["moderator_id"] == str(cast.ids["admin"])


async def test_two_moderators_claiming_at_once_one_wins(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    url = f"/api/v1/moderation/comments/{comment.id}/claim"
    answers = await asyncio.gather(*(api.client.post(url, headers=cast.headers(r)) for r in ("moderator", "admin")))
    assert sorted(a.status_code for a in answers) == [200, 409]


async def test_release_a_claim(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    url = f"/api/v1/moderation/comments/{comment.id}/claim"
    assert (await api.client.post(url, headers=cast.headers("moderator"))).status_code == 200
    # Another moderator cannot release it; an admin can; releasing nothing is fine.
    second_mod = await staff(api, "mod2@example.com", "moderator")
    assert (await api.client.delete(url, headers=api.auth(second_mod))).status_code == 409
    assert (await api.client.delete(url, headers=cast.headers("admin"))).status_code == 204
    assert (await api.client.delete(url, headers=cast.headers("moderator"))).status_code == 204
    assert (await queue(api, cast.tokens["moderator"]))["items"][0]["claim"] is None
    assert (await api.client.post(url, headers=api.auth(second_mod))).status_code == 200


async def test_bad_claim_durations(api, cast, settings):
    comment = await seed_comment(settings, cast.ids["reader"])
    url = f"/api/v1/moderation/comments/{comment.id}/claim"
    assert (await api.client.post(url, json={"minutes": 0}, headers=cast.headers("moderator"))).status_code == 400
    assert (await api.client.post(url, json={"minutes": 31}, headers=cast.headers("moderator"))).status_code == 400
