"""Public reads: cached per article version, never stale across processes, never leaking a viewer's
own comments; the headers a CDN and browsers act on; every kind of visible change moves the version."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from comments.app import create_app
from comments.db import Article, Profile, Site
from tests.support import Api, FakeScorer, cast_of, db_run, decide, seed_comment, set_rules, user_by_email

ANONYMOUS_CACHE = "public, max-age=5, stale-while-revalidate=30"


async def article_version(settings, external_id="putin-warning-tomahawk") -> int:
    async def work(session):
        return await session.scalar(select(Article.version).where(Article.external_id == external_id))

    return await db_run(settings, work)


@pytest.fixture
async def cast(api):
    return await cast_of(api)


# --- headers, ETag ------------------------------------------------------------------------------------


async def test_anonymous_answers_are_public_and_logged_in_ones_private(api, reader_token):
    await api.post(reader_token, "A civil remark.")
    anonymous = await api.client.get(api.comments_url())
    assert anonymous.headers["cache-control"] == ANONYMOUS_CACHE
    assert "Authorization" in anonymous.headers["vary"]
    assert anonymous.headers["content-type"].startswith("application/json")
    mine = await api.client.get(api.comments_url(), headers=api.auth(reader_token))
    assert mine.headers["cache-control"].startswith("private")
    assert "public" not in mine.headers["cache-control"]
    assert "Authorization" in mine.headers["vary"]
    assert mine.headers["etag"] != anonymous.headers["etag"]
    counts = await api.client.get("/api/v1/sites/demo/counts?articles=putin-warning-tomahawk")
    assert counts.headers["cache-control"] == ANONYMOUS_CACHE
    [root] = anonymous.json()["items"]
    replies = await api.client.get(f"/api/v1/comments/{root['id']}/replies")
    assert replies.headers["cache-control"] == ANONYMOUS_CACHE
    private_replies = await api.client.get(f"/api/v1/comments/{root['id']}/replies", headers=api.auth(reader_token))
    assert private_replies.headers["cache-control"].startswith("private")


async def test_max_age_and_stale_while_revalidate_come_from_the_settings(settings, scorer):
    app = create_app(replace(settings, public_max_age=17, public_stale_while_revalidate=0), toxicity=scorer)
    async with AsyncTestClient(app=app) as client:
        api = Api(client, settings)
        await api.create_demo()
        r = await client.get(api.comments_url())
        assert r.headers["cache-control"] == "public, max-age=17"


async def test_the_anonymous_etag_is_the_article_version_and_gives_304(api, reader_token, settings):
    await api.post(reader_token, "First.")
    first = await api.client.get(api.comments_url())
    etag = first.headers["etag"]
    assert etag.endswith(f'-{await article_version(settings)}"')
    again = await api.client.get(api.comments_url(), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == ANONYMOUS_CACHE
    assert (await api.client.get(api.comments_url(), headers={"If-None-Match": f'"x", {etag}'})).status_code == 304
    await api.post(reader_token, "Second.")
    changed = await api.client.get(api.comments_url(), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert [c["body"] for c in changed.json()["items"]] == ["Second.", "First."]


async def test_a_logged_in_etag_gives_304_too(api, reader_token):
    await api.post(reader_token, "Mine.")
    first = await api.client.get(api.comments_url(), headers=api.auth(reader_token))
    again = await api.client.get(
        api.comments_url(), headers={**api.auth(reader_token), "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


# --- privacy ------------------------------------------------------------------------------------------


async def test_the_cache_never_hands_a_viewer_s_own_comments_to_anyone_else(api, reader_token):
    other = await api.reader("other@example.com", "Other Reader")
    await api.post(other, "A published comment by someone else.")
    published = (await api.post(reader_token, "My published comment.")).json()
    held = (await api.post(reader_token, "You idiot, this is held.")).json()
    assert held["status"] == "held"
    reply = (await api.post(reader_token, "Replying, you moron.", parent_id=published["id"])).json()
    assert reply["status"] == "held"

    for _ in range(2):  # the second round answers from the cache
        anonymous = await api.thread()
        assert [c["body"] for c in anonymous["items"]] == [
            "My published comment.",
            "A published comment by someone else.",
        ]
        assert anonymous["items"][0]["replies"] == []
        assert not any(c["is_own"] for c in anonymous["items"])

        mine = await api.thread(reader_token)
        assert [c["body"] for c in mine["items"]] == [
            "You idiot, this is held.",
            "My published comment.",
            "A published comment by someone else.",
        ]
        assert mine["items"][0]["status"] == "held"
        assert mine["items"][0]["reasons"]
        assert mine["items"][1]["is_own"] is True
        assert mine["items"][1]["editable_until"] is not None
        assert [r["body"] for r in mine["items"][1]["replies"]] == ["Replying, you moron."]
        assert mine["items"][1]["reply_count"] == 1
        assert mine["total"] == 2

        theirs = await api.thread(other)
        assert [c["body"] for c in theirs["items"]] == ["My published comment.", "A published comment by someone else."]
        assert theirs["items"][0]["replies"] == []
        assert theirs["items"][0]["is_own"] is False
        assert theirs["items"][1]["is_own"] is True

        replies = (await api.client.get(f"/api/v1/comments/{published['id']}/replies")).json()
        assert replies["items"] == []
        own_replies = (
            await api.client.get(f"/api/v1/comments/{published['id']}/replies", headers=api.auth(reader_token))
        ).json()
        assert [r["body"] for r in own_replies["items"]] == ["Replying, you moron."]
        assert own_replies["items"][0]["reasons"]


async def test_own_hidden_comments_page_with_the_public_ones(api, reader_token):
    """The merged page keeps the keyset order and page size of a single query over both."""
    other = await api.reader("other@example.com", "Other Reader")
    expected = []
    for i in range(5):
        await api.post(other, f"Public {i}.")
        await api.post(reader_token, f"Held {i}, idiot.")
        expected += [f"Public {i}.", f"Held {i}, idiot."]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "sort": "oldest", **({"cursor": cursor} if cursor else {})}
        page = await api.thread(reader_token, **params)
        assert len(page["items"]) <= 3
        seen += [c["body"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    anonymous = [c["body"] for c in (await api.thread(limit=100, sort="oldest"))["items"]]
    assert anonymous == [b for b in expected if b.startswith("Public")]


async def test_a_hidden_comment_keeps_its_replies_for_its_author(api, cast, settings):
    """Hidden after readers replied: its author still sees the replies under it; others see nothing."""
    await set_rules(settings, {"reports": {"threshold": 1, "hide_when_reported": True}})
    root = (await api.post(cast.tokens["reader"], "Reported later.")).json()
    await api.post(cast.tokens["moderator"], "A reply before the report.", parent_id=root["id"])
    report = await api.client.post(
        f"/api/v1/comments/{root['id']}/reports", json={"reason": "abusive"}, headers=cast.headers("admin")
    )
    assert report.status_code == 201, report.text
    assert (await api.thread())["items"] == []
    [own] = (await api.thread(cast.tokens["reader"]))["items"]
    assert own["status"] == "held"
    assert [r["body"] for r in own["replies"]] == ["A reply before the report."]
    assert own["reply_count"] == 1


# --- across processes ---------------------------------------------------------------------------------


async def test_a_change_through_one_app_is_seen_on_the_next_read_through_another(settings):
    """Two apps (two processes' worth of caches and probes) over one database."""
    first, second = create_app(settings, toxicity=FakeScorer()), create_app(settings, toxicity=FakeScorer())
    async with AsyncTestClient(app=first) as one, AsyncTestClient(app=second) as two:
        api_one, api_two = Api(one, settings), Api(two, settings)
        await api_one.create_demo()
        token = await api_one.reader("reader@example.com", "Reader One")
        assert (await api_two.thread())["items"] == []  # cached in the second app
        posted = (await api_one.post(token, "Posted through the first app.")).json()
        assert [c["body"] for c in (await api_two.thread())["items"]] == ["Posted through the first app."]
        counts = (await two.get("/api/v1/sites/demo/counts?articles=putin-warning-tomahawk")).json()
        assert counts["counts"] == {"putin-warning-tomahawk": 1}
        edited = await one.patch(
            f"/api/v1/comments/{posted['id']}",
            json={"body": "Edited through the first app."},
            headers=api_one.auth(token),
        )
        assert edited.status_code == 200, edited.text
        assert [c["body"] for c in (await api_two.thread())["items"]] == ["Edited through the first app."]
        assert (await one.delete(f"/api/v1/comments/{posted['id']}", headers=api_one.auth(token))).status_code == 204
        assert (await api_two.thread())["items"] == []
        counts = (await two.get("/api/v1/sites/demo/counts?articles=putin-warning-tomahawk")).json()
        assert counts["counts"] == {"putin-warning-tomahawk": 0}


# --- every visible change moves the version -----------------------------------------------------------


async def test_publishing_moves_the_version(api, reader_token, settings):
    before = await article_version(settings)
    await api.post(reader_token, "Published.")
    assert await article_version(settings) > before


async def test_approving_moves_the_version(api, cast, settings):
    held = (await api.post(cast.tokens["reader"], "Held, you idiot.")).json()
    await api.thread()  # cache the page without it
    before = await article_version(settings)
    assert (await decide(api, cast.tokens["moderator"], held["id"], "approve", 1)).status_code == 200
    assert await article_version(settings) > before
    assert [c["body"] for c in (await api.thread())["items"]] == ["Held, you idiot."]


async def test_rejecting_moves_the_version(api, cast, settings):
    posted = (await api.post(cast.tokens["reader"], "Published, then rejected.")).json()
    assert len((await api.thread())["items"]) == 1
    before = await article_version(settings)
    r = await decide(api, cast.tokens["moderator"], posted["id"], "reject", 1, reason_code="spam")
    assert r.status_code == 200, r.text
    assert await article_version(settings) > before
    assert (await api.thread())["items"] == []


async def test_editing_moves_the_version(api, reader_token, settings):
    posted = (await api.post(reader_token, "Before the edit.")).json()
    await api.thread()
    before = await article_version(settings)
    r = await api.client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "After the edit."}, headers=api.auth(reader_token)
    )
    assert r.status_code == 200
    assert await article_version(settings) > before
    assert [c["body"] for c in (await api.thread())["items"]] == ["After the edit."]


async def test_deleting_moves_the_version(api, reader_token, settings):
    posted = (await api.post(reader_token, "Soon gone.")).json()
    await api.thread()
    before = await article_version(settings)
    assert (
        await api.client.delete(f"/api/v1/comments/{posted['id']}", headers=api.auth(reader_token))
    ).status_code == 204
    assert await article_version(settings) > before
    assert (await api.thread())["items"] == []


async def test_hiding_on_reports_moves_the_version(api, cast, settings):
    await set_rules(settings, {"reports": {"threshold": 1, "hide_when_reported": True}})
    posted = (await api.post(cast.tokens["moderator"], "Reported and hidden.")).json()
    assert len((await api.thread())["items"]) == 1
    before = await article_version(settings)
    r = await api.client.post(
        f"/api/v1/comments/{posted['id']}/reports", json={"reason": "abusive"}, headers=cast.headers("reader")
    )
    assert r.status_code == 201
    assert await article_version(settings) > before
    assert (await api.thread())["items"] == []


async def test_a_sanction_rejecting_held_comments_moves_the_version(api, cast, settings):
    await seed_comment(settings, cast.ids["reader"], "Waiting in the queue.", status="held")
    before = await article_version(settings)
    r = await api.client.post(
        f"/api/v1/sites/demo/users/{cast.ids['reader']}/sanctions",
        json={"kind": "ban", "reason": "Spam account.", "reject_held": True, "reject_reason_code": "spam"},
        headers=cast.headers("moderator"),
    )
    assert r.status_code == 201, r.text
    assert await article_version(settings) > before


async def test_a_display_name_change_moves_the_version_of_the_author_s_articles(api, reader_token, settings):
    await api.post(reader_token, "Signed with my old name.")
    assert (await api.thread())["items"][0]["author"]["display_name"] == "Reader One"
    before = await article_version(settings)
    r = await api.client.patch(
        "/api/v1/me/profile", json={"display_name": "Reader Renamed"}, headers=api.auth(reader_token)
    )
    assert r.status_code == 200, r.text
    assert await article_version(settings) > before
    assert (await api.thread())["items"][0]["author"]["display_name"] == "Reader Renamed"


async def test_a_database_change_outside_the_app_moves_the_version(api, reader_token, settings):
    """The triggers do it, so a script or a future code path cannot forget."""
    await api.post(reader_token, "Changed behind the app's back.")
    await api.thread()
    before = await article_version(settings)
    reader = await user_by_email(settings, "reader@example.com")

    async def rename(session):
        await session.execute(update(Profile).where(Profile.user_id == reader.id).values(display_name="Renamed"))

    await db_run(settings, rename)
    assert await article_version(settings) > before
    assert (await api.thread())["items"][0]["author"]["display_name"] == "Renamed"


COPY_OF_A_COMMENT = text(
    "INSERT INTO comment (id, site_id, article_id, author_id, depth, body, status, flagged, reasons, version,"
    " created_at, updated_at) SELECT :id, site_id, article_id, author_id, 0, 'Concurrent.', 'published', false,"
    " reasons, 1, now(), now() FROM comment LIMIT 1"
)


async def test_posts_to_one_article_do_not_wait_for_each_other_s_commit(api, reader_token, settings):
    """PostgreSQL bumps the article at COMMIT (a deferred trigger): a second transaction inserting into the
    same thread is not blocked by the first one's row lock until that one commits (before: it waited)."""
    if settings.is_sqlite:
        pytest.skip("SQLite has one writer at a time; the deferred trigger is PostgreSQL's")
    await api.post(reader_token, "The first one.")
    before = await article_version(settings)
    engine = create_async_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(COPY_OF_A_COMMENT, {"id": uuid.uuid4()})
            await second.execute(text("SET lock_timeout = '500ms'"))
            await second.execute(COPY_OF_A_COMMENT, {"id": uuid.uuid4()})  # lock timeout here if it waited
            await first.commit()
            await second.commit()
    finally:
        await engine.dispose()
    assert await article_version(settings) == before + 2
    assert (await api.thread())["total"] == 3


async def test_unknown_site_and_article_are_404_on_the_cached_path(api):
    assert (await api.client.get("/api/v1/sites/nope/articles/x/comments")).status_code == 404
    r = await api.client.get("/api/v1/sites/demo/articles/nope/comments")
    assert r.status_code == 404
    assert "article 'nope'" in r.json()["detail"]
    assert (await api.client.get("/api/v1/sites/nope/counts?articles=a")).status_code == 404
    r = await api.client.get("/api/v1/comments/00000000-0000-7000-8000-000000000000/replies")
    assert r.status_code == 404

    async def count_sites(session):
        return len((await session.scalars(select(Site))).all())

    assert await db_run(api.settings, count_sites) == 1


async def test_published_counts_stay_exact_through_every_kind_of_change(api, cast, settings):
    """article.published_count (kept by the triggers) answers counts and thread totals."""
    from sqlalchemy import func

    from comments.db import Comment

    async def both(session):
        kept = await session.scalar(
            select(Article.published_count).where(Article.external_id == "putin-warning-tomahawk")
        )
        real = await session.scalar(select(func.count()).select_from(Comment).where(Comment.status == "published"))
        return kept, real

    await set_rules(settings, {"reports": {"threshold": 1, "hide_when_reported": True}})
    a = (await api.post(cast.tokens["reader"], "One.")).json()
    b = (await api.post(cast.tokens["reader"], "Two, idiot.")).json()  # held
    c = (await api.post(cast.tokens["moderator"], "Three.")).json()
    d = (await api.post(cast.tokens["admin"], "Four.")).json()
    assert await db_run(settings, both) == (3, 3)
    assert (await decide(api, cast.tokens["moderator"], b["id"], "approve", 1)).status_code == 200
    assert (await decide(api, cast.tokens["moderator"], c["id"], "reject", 1, reason_code="spam")).status_code == 200
    assert (await api.client.delete(f"/api/v1/comments/{a['id']}", headers=cast.headers("reader"))).status_code == 204
    r = await api.client.post(
        f"/api/v1/comments/{d['id']}/reports", json={"reason": "abusive"}, headers=cast.headers("reader")
    )
    assert r.status_code == 201
    assert await db_run(settings, both) == (1, 1)
    assert (await api.thread())["total"] == 1
    counts = (await api.client.get("/api/v1/sites/demo/counts?articles=putin-warning-tomahawk,nope")).json()
    assert counts["counts"] == {"putin-warning-tomahawk": 1, "nope": 0}


async def test_a_cached_anonymous_read_opens_no_session(api, reader_token):
    """A hit is the probe's one lookup on the driver and the cached bytes: no statement through the ORM
    session (no pool checkout, no transaction). A regression here costs every page view."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    await api.post(reader_token, "Read me a thousand times.")
    await api.thread()  # the miss fills the cache
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "webhook_deliveries" not in statement:  # the outbox worker polls once a second
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        page = await api.thread()
        counts = await api.client.get("/api/v1/sites/demo/counts?articles=putin-warning-tomahawk")
        logged_in = await api.thread(reader_token)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert [c["body"] for c in page["items"]] == ["Read me a thousand times."]
    assert counts.json()["counts"] == {"putin-warning-tomahawk": 1}
    assert logged_in["items"][0]["is_own"] is True
    # The logged-in read: token, site + article, the reader's own rows; the public part from the cache.
    assert len(statements) == 3, statements


async def test_without_a_probe_the_session_answers_the_same(settings, scorer):
    """COMMENTS_PROBE_POOL_SIZE=0 (or a busy SQLite file): the version lookups go through the session."""
    app = create_app(settings, toxicity=scorer)
    app.state.probe = None
    async with AsyncTestClient(app=app) as client:
        api = Api(client, settings)
        await api.create_demo()
        token = await api.reader("reader@example.com", "Reader One")
        posted = (await api.post(token, "Through the session.")).json()
        await api.post(token, "A reply.", parent_id=posted["id"])
        for _ in range(2):
            page = await api.thread()
            assert [c["body"] for c in page["items"]] == ["Through the session."]
            assert page["total"] == 2
            replies = (await client.get(f"/api/v1/comments/{posted['id']}/replies")).json()
            assert [r["body"] for r in replies["items"]] == ["A reply."]
            counts = (await client.get("/api/v1/sites/demo/counts?articles=putin-warning-tomahawk")).json()
            assert counts["counts"] == {"putin-warning-tomahawk": 2}
        assert (await client.get("/api/v1/sites/nope/counts?articles=a")).status_code == 404
        assert (await client.get("/api/v1/sites/demo/articles/nope/comments")).status_code == 404
