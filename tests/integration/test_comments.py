"""Posting through the pipeline, threads, replies, edits, deletes, idempotency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from comments.db import Comment, Sanction, SanctionKind, User
from tests.support import db_run


async def _count_comments(settings) -> int:
    return await db_run(settings, lambda s: s.scalar(select(func.count()).select_from(Comment)))


async def test_newcomer_flow_publishes_a_civil_comment(api, reader_token):
    r = await api.post(reader_token, "I think the sanctions will not work, and here is why.")
    assert r.status_code == 201
    outcome = r.json()
    assert outcome["status"] == "published"
    assert outcome["reasons"] == []
    thread = await api.thread()
    assert [c["body"] for c in thread["items"]] == ["I think the sanctions will not work, and here is why."]
    assert thread["items"][0]["author"]["display_name"] == "Reader One"
    assert thread["total"] == 1


async def test_a_toxic_comment_is_held_with_scores_and_reason(api, reader_token, settings):
    r = await api.post(reader_token, "You are an idiot and everyone knows it.")
    assert r.status_code == 201
    outcome = r.json()
    assert outcome["status"] == "held"
    assert [reason["code"] for reason in outcome["reasons"]] == ["toxicity"]
    assert "review" in outcome["message"]
    stored = await db_run(settings, lambda s: s.scalar(select(Comment)))
    assert stored.scores["toxicity"] > 0.9
    assert stored.model == "fake-keywords"
    assert stored.reasons[0]["detail"]["summary"].startswith("toxicity:0.99>=")
    # Others do not see it; its author does, marked as held.
    assert (await api.thread())["items"] == []
    own = (await api.thread(reader_token))["items"]
    assert [(c["status"], c["reasons"][0]["code"]) for c in own] == [("held", "toxicity")]


async def test_classifier_failure_holds_the_comment(api, reader_token, scorer):
    scorer.fail = True
    r = await api.post(reader_token, "A perfectly civil remark.")
    assert r.status_code == 201
    assert r.json()["status"] == "held"
    assert [reason["code"] for reason in r.json()["reasons"]] == ["classifier_unavailable"]


async def _record_eligibility(monkeypatch, scorer) -> None:
    from comments.domain.accounts.services import eligibility as original
    from comments.domain.comments import services

    async def eligibility(*args, **kwargs):
        answer = await original(*args, **kwargs)
        scorer.events.append("eligibility answered")
        return answer

    monkeypatch.setattr(services, "eligibility", eligibility)


async def test_an_idle_model_is_asked_while_the_gates_query(api, reader_token, scorer, monkeypatch):
    """A lone post waits for the database and the model together, not one after the other."""
    await _record_eligibility(monkeypatch, scorer)
    r = await api.post(reader_token, "You are an idiot and everyone knows it.")
    assert r.json()["status"] == "held"
    assert scorer.events == ["score asked", "eligibility answered"]
    assert scorer.calls == ["You are an idiot and everyone knows it."]  # asked once: the early answer is used


async def test_a_busy_model_is_asked_after_the_gates(api, reader_token, scorer, monkeypatch):
    scorer.idle = False
    await _record_eligibility(monkeypatch, scorer)
    r = await api.post(reader_token, "You are an idiot and everyone knows it.")
    assert r.json()["status"] == "held"
    assert scorer.events == ["eligibility answered", "score asked"]


async def test_a_post_a_gate_refuses_drops_its_early_score(api, scorer):
    scorer.delay = 30  # still "scoring" when the gate answers
    token = await api.register("no-profile@example.com")
    r = await api.post(token, "A civil remark from someone without a profile.")
    assert r.status_code == 403
    for _ in range(100):  # the cancellation reaches the scorer at its next step
        if "score cancelled" in scorer.events:
            break
        await asyncio.sleep(0.01)
    assert scorer.events == ["score asked", "score cancelled"]


async def test_an_early_score_that_fails_holds_the_comment(api, reader_token, scorer):
    scorer.fail = True
    scorer.delay = 0.05  # fails after the gates passed, while they were being checked
    r = await api.post(reader_token, "A perfectly civil remark.")
    assert r.status_code == 201
    assert [reason["code"] for reason in r.json()["reasons"]] == ["classifier_unavailable"]
    assert scorer.calls == ["A perfectly civil remark."]


async def test_an_invalid_body_is_refused_by_its_gate_not_scored(api, reader_token, scorer):
    r = await api.post(reader_token, "x" * 100_000)
    assert r.status_code == 413
    assert scorer.calls == []


async def test_replies_nest_under_their_parent(api, reader_token):
    other = await api.reader("other@example.com", "Other Reader")
    top = (await api.post(reader_token, "Top-level point.")).json()["id"]
    reply = (await api.post(other, "A reply.", parent_id=top)).json()["id"]
    (await api.post(reader_token, "A reply to the reply.", parent_id=reply)).json()
    thread = await api.thread()
    [root] = thread["items"]
    assert root["reply_count"] == 2
    [child] = root["replies"]
    assert child["body"] == "A reply."
    assert [c["body"] for c in child["replies"]] == ["A reply to the reply."]
    assert child["replies"][0]["depth"] == 2


async def test_replies_stay_in_their_article(api, reader_token):
    top = (await api.post(reader_token, "On the demo article.")).json()["id"]
    await api.client.put("/api/v1/sites/demo/articles/other", json={"title": "x"}, headers={"X-Site-Key": api.site_key})
    r = await api.post(reader_token, "Cross-thread reply", article="other", parent_id=top)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/parent_id"


async def test_reply_depth_is_limited(api, reader_token, settings):
    async def set_depth(session):
        from comments.db import Site

        await session.execute(update(Site).values(rules={"thread": {"max_depth": 1}}))

    await db_run(settings, set_depth)
    top = (await api.post(reader_token, "Top.")).json()["id"]
    reply = (await api.post(reader_token, "Reply.", parent_id=top)).json()["id"]
    r = await api.post(reader_token, "Too deep.", parent_id=reply)
    assert r.status_code == 422


async def test_body_limits(api, reader_token):
    assert (await api.post(reader_token, "   ")).status_code == 422
    too_long = await api.post(reader_token, "x" * 5001)
    assert too_long.status_code == 413
    assert too_long.json()["max_length"] == 5000
    assert (await api.post(reader_token, "bell\x07")).status_code == 422
    assert (await api.post(reader_token, "  trimmed  ")).json()["comment"]["body"] == "trimmed"


async def test_pages_are_bounded_and_cursors_walk_the_thread(api, settings):
    tokens = [await api.reader(f"r{i}@example.com", f"Reader {i}") for i in range(3)]
    for i in range(7):
        r = await api.post(tokens[i % 3], f"Comment number {i}")
        assert r.status_code == 201, r.text
    seen, cursor = [], None
    while True:
        page = await api.thread(limit=3, sort="oldest", **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 3
        seen += [c["body"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Comment number {i}" for i in range(7)]
    newest = await api.thread(limit=2, sort="newest")
    assert [c["body"] for c in newest["items"]] == ["Comment number 6", "Comment number 5"]


async def test_junk_cursor_and_limits_are_4xx(api):
    assert (await api.client.get(api.comments_url() + "?cursor=garbage")).status_code == 422
    assert (await api.client.get(api.comments_url() + "?limit=1000")).status_code == 400
    assert (await api.client.get(api.comments_url() + "?sort=sideways")).status_code == 400


async def test_many_replies_are_bounded_and_paged(api, reader_token, settings):
    top = (await api.post(reader_token, "A popular comment.")).json()["id"]

    # 25 replies: written straight to the database (rate limits would slow a test down to minutes).
    async def add_replies(session):
        root = await session.get(Comment, top)
        base = datetime.now(UTC)
        for i in range(25):
            session.add(
                Comment(
                    site_id=root.site_id,
                    article_id=root.article_id,
                    author_id=root.author_id,
                    parent_id=root.id,
                    root_id=root.id,
                    depth=1,
                    body=f"reply {i}",
                    status="published",
                    created_at=base + timedelta(seconds=i),
                )
            )

    await db_run(settings, add_replies)
    [root] = (await api.thread())["items"]
    assert root["reply_count"] == 25
    assert len(root["replies"]) == 20
    assert root["more_replies"] is True
    page = (await api.client.get(f"/api/v1/comments/{top}/replies?limit=10")).json()
    assert [c["body"] for c in page["items"]] == [f"reply {i}" for i in range(10)]
    rest = (await api.client.get(f"/api/v1/comments/{top}/replies?limit=100&cursor={page['next_cursor']}")).json()
    assert [c["body"] for c in rest["items"]] == [f"reply {i}" for i in range(10, 25)]
    assert rest["next_cursor"] is None


async def test_edit_within_the_window_goes_through_the_pipeline_again(api, reader_token):
    posted = (await api.post(reader_token, "A civil first draft.")).json()
    r = await api.client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "Actually you are an idiot."}, headers=api.auth(reader_token)
    )
    assert r.status_code == 200
    assert r.json()["status"] == "held"
    assert r.json()["comment"]["edited_at"] is not None
    assert (await api.thread())["items"] == []


async def test_edit_after_the_window_is_refused(api, reader_token, settings):
    posted = (await api.post(reader_token, "Posted long ago.")).json()

    async def age(session):
        await session.execute(
            update(Comment)
            .where(Comment.id == posted["id"])
            .values(created_at=datetime.now(UTC) - timedelta(minutes=6))
        )

    await db_run(settings, age)
    r = await api.client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "Edited"}, headers=api.auth(reader_token)
    )
    assert r.status_code == 409


async def test_only_the_author_may_edit_or_delete(api, reader_token):
    posted = (await api.post(reader_token, "Mine.")).json()
    other = await api.reader("other@example.com", "Other Reader")
    url = f"/api/v1/comments/{posted['id']}"
    assert (await api.client.patch(url, json={"body": "Hijack"}, headers=api.auth(other))).status_code == 403
    assert (await api.client.delete(url, headers=api.auth(other))).status_code == 403
    assert (await api.client.delete(url)).status_code == 401


async def test_delete_keeps_the_thread_shape(api, reader_token):
    other = await api.reader("other@example.com", "Other Reader")
    top = (await api.post(reader_token, "Soon gone.")).json()["id"]
    lonely = (await api.post(reader_token, "Gone without a trace.")).json()["id"]
    await api.post(other, "A reply that stays.", parent_id=top)
    for comment_id in (top, lonely):
        assert (
            await api.client.delete(f"/api/v1/comments/{comment_id}", headers=api.auth(reader_token))
        ).status_code == 204
    items = (await api.thread())["items"]
    assert len(items) == 1
    [removed] = items
    assert removed["status"] == "deleted"
    assert removed["body"] is None
    assert removed["author"] is None
    assert [c["body"] for c in removed["replies"]] == ["A reply that stays."]


async def test_idempotency_key_never_posts_twice(api, reader_token, settings):
    headers = {"Idempotency-Key": "retry-123"}
    first = await api.post(reader_token, "Posted once, retried twice.", headers=headers)
    second = await api.post(reader_token, "Posted once, retried twice.", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await _count_comments(settings) == 1
    other_body = await api.post(reader_token, "Something else", headers=headers)
    assert other_body.status_code == 422


async def test_concurrent_retries_store_one_comment(api, reader_token, settings):
    headers = {"Idempotency-Key": "race-1"}
    answers = await asyncio.gather(*(api.post(reader_token, "Racing retries.", headers=headers) for _ in range(4)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _count_comments(settings) == 1


async def test_banned_and_suspended_readers_cannot_post(api, reader_token, settings):
    async def sanction(kind, until=None):
        async def work(session):
            user = await session.scalar(select(User).where(User.email == "reader@example.com"))
            from comments.db import Site

            site = await session.scalar(select(Site))
            session.add(Sanction(user_id=user.id, site_id=site.id, kind=kind, reason="abuse", until=until))

        await db_run(settings, work)

    await sanction(SanctionKind.SUSPEND, datetime.now(UTC) + timedelta(days=1))
    r = await api.post(reader_token, "Let me in")
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/sanctioned"
    assert r.json()["kind"] == "suspend"
    assert await _count_comments(settings) == 0


async def test_an_expired_suspension_no_longer_blocks(api, reader_token, settings):
    async def work(session):
        user = await session.scalar(select(User))
        from comments.db import Site

        site = await session.scalar(select(Site))
        session.add(
            Sanction(
                user_id=user.id,
                site_id=site.id,
                kind=SanctionKind.SUSPEND,
                until=datetime.now(UTC) - timedelta(hours=1),
            )
        )

    await db_run(settings, work)
    assert (await api.post(reader_token, "Back again")).status_code == 201


async def test_unknown_article_and_comment_are_404(api, reader_token):
    r = await api.client.post(
        "/api/v1/sites/demo/articles/nope/comments", json={"body": "x"}, headers=api.auth(reader_token)
    )
    assert r.status_code == 404
    r = await api.client.get("/api/v1/comments/00000000-0000-0000-0000-000000000000/replies")
    assert r.status_code == 404
    r = await api.client.delete("/api/v1/comments/00000000-0000-0000-0000-000000000000", headers=api.auth(reader_token))
    assert r.status_code == 404


async def test_posting_needs_login(offline_client):
    r = await offline_client.post("/api/v1/sites/demo/articles/a1/comments", json={"body": "anonymous"})
    assert r.status_code == 401
    assert r.json()["type"] == "/problems/unauthenticated"


async def test_thread_etag_gives_304_until_something_changes(api, reader_token):
    await api.post(reader_token, "First.")
    first = await api.client.get(api.comments_url())
    etag = first.headers["etag"]
    again = await api.client.get(api.comments_url(), headers={"If-None-Match": etag})
    assert again.status_code == 304
    await api.post(reader_token, "Second.")
    changed = await api.client.get(api.comments_url(), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_unknown_site_is_404_on_the_comment_routes(api, reader_token):
    """One query loads the site and the article; the answer still says which one is missing."""
    r = await api.client.post(
        "/api/v1/sites/nope/articles/x/comments", json={"body": "x"}, headers=api.auth(reader_token)
    )
    assert r.status_code == 404
    assert "site 'nope'" in r.json()["detail"]
    r = await api.client.get(f"/api/v1/sites/nope/articles/{api.article}/comments")
    assert r.status_code == 404
    r = await api.client.get("/api/v1/sites/demo/articles/nope/comments")
    assert r.status_code == 404
    assert "article 'nope'" in r.json()["detail"]


async def test_new_commenters_are_held_until_enough_comments_were_published(api, settings):
    """Premoderation counts the author's published comments on the site, up to the number the rule needs."""
    from tests.support import comment_row, seed_comment, set_rules, user_by_email

    async def counted(outcome):
        return (await comment_row(settings, outcome["id"])).reasons[0]["detail"]["approved_on_site"]

    premoderation = {"mode": "new_commenters", "approved_comments_needed": 2}
    await set_rules(settings, {"premoderation": premoderation, "rate_limits": {"per_minute": None}})
    token = await api.reader("new@example.com", "Newcomer")
    author = (await user_by_email(settings, "new@example.com")).id
    first = (await api.post(token, "My first comment on this site.")).json()
    assert first["status"] == "held"
    assert first["reasons"][0]["code"] == "premoderation.new_commenter"
    assert await counted(first) == 0

    await seed_comment(settings, author, "An approved comment.", status="published")
    second = (await api.post(token, "A second comment, one approved so far.")).json()
    assert second["status"] == "held"
    assert await counted(second) == 1

    for body in ("Another approved comment.", "And a third one."):
        await seed_comment(settings, author, body, status="published")
    assert (await api.post(token, "Now I am a regular here.")).json()["status"] == "published"


async def test_a_post_costs_six_statements(api, reader_token):
    """The hot path, counted: token, site + article, eligibility (profile, guidelines, any sanction),
    history, the insert, the site's webhooks. A regression here costs every post on a 2-core server."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    await api.post(reader_token, "A first remark, so that the article's first comment time is set.")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # The outbox workers (webhooks, mail) poll once a second, beside the post.
        if "webhook_deliveries" not in statement and "mail_message" not in statement:
            statements.append(" ".join(statement.split()[:4]))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        r = await api.post(reader_token, "I think the sanctions will not work, and here is why.")
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert r.status_code == 201
    assert len(statements) == 6, statements


async def test_emoji_joiner_sequences_post_but_a_joiner_inside_a_word_is_refused(api, reader_token):
    family = "Our family \U0001f468\u200d\U0001f469\u200d\U0001f467 reads you every morning."
    posted = await api.post(reader_token, family)
    assert posted.status_code == 201, posted.text
    assert posted.json()["status"] == "published"
    refused = await api.post(reader_token, "What an id\u200diot.")
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Your comment contains control characters."
