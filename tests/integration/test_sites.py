"""Sites, articles (threads), publisher site keys, auto-creation from allowed origins, counts."""

from __future__ import annotations


async def test_site_public_facts(api):
    r = await api.client.get("/api/v1/sites/demo")
    assert r.status_code == 200
    body = r.json()
    assert body["slug"] == "demo"
    assert body["required_fields"] == ["display_name", "full_name", "country", "birth_year", "accepted_rules_version"]
    assert body["minimum_age"] == 16
    assert body["max_body_length"] == 5000
    assert "site_key" not in str(body)


async def test_unknown_site_is_404_problem(api):
    r = await api.client.get("/api/v1/sites/nope")
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/not-found"


async def test_guidelines_are_public(api):
    r = await api.client.get("/api/v1/sites/demo/guidelines")
    assert r.status_code == 200
    assert r.json()["version"] == 1
    assert "civil" in r.json()["text"].lower()


async def test_publisher_upserts_articles_with_the_site_key(api):
    url = "/api/v1/sites/demo/articles/budget-2027"
    body = {"url": "http://127.0.0.1:8000/budget", "title": "Budget 2027"}
    created = await api.client.put(url, json=body, headers={"X-Site-Key": api.site_key})
    assert created.status_code == 201
    assert created.json()["title"] == "Budget 2027"
    updated = await api.client.put(url, json={"title": "Budget 2027, revised"}, headers={"X-Site-Key": api.site_key})
    assert updated.status_code == 200
    assert updated.json()["title"] == "Budget 2027, revised"
    assert updated.json()["url"] == "http://127.0.0.1:8000/budget"


async def test_a_wrong_site_key_is_refused(api):
    r = await api.client.put(
        "/api/v1/sites/demo/articles/x1", json={"url": "https://evil.example/x"}, headers={"X-Site-Key": "sk_wrong"}
    )
    assert r.status_code == 403


async def test_widget_creates_a_thread_from_an_allowed_origin_only(api):
    ok = await api.client.put(
        "/api/v1/sites/demo/articles/fresh", json={"url": "http://localhost:8000/fresh", "title": "t"}
    )
    assert ok.status_code == 201
    again = await api.client.put(
        "/api/v1/sites/demo/articles/fresh", json={"url": "http://localhost:8000/x", "title": "changed"}
    )
    assert again.status_code == 200
    assert again.json()["title"] == "t"  # readers never change a publisher's article
    bad = await api.client.put("/api/v1/sites/demo/articles/other", json={"url": "https://evil.example/fresh"})
    assert bad.status_code == 403
    assert bad.json()["code"] == "origin-not-allowed"


async def test_article_ids_are_checked(api):
    r = await api.client.put(
        "/api/v1/sites/demo/articles/has%20space", json={"title": "x"}, headers={"X-Site-Key": api.site_key}
    )
    assert r.status_code == 422


async def test_closing_and_reopening_a_thread(api, reader_token):
    close = await api.client.post(
        f"/api/v1/sites/demo/articles/{api.article}/close", headers={"X-Site-Key": api.site_key}
    )
    assert close.status_code == 200
    assert close.json()["closed"] is True
    r = await api.post(reader_token, "Can I still post?")
    assert r.status_code == 409
    assert r.json()["type"] == "/problems/thread-closed"
    reopen = await api.client.post(
        f"/api/v1/sites/demo/articles/{api.article}/reopen", headers={"X-Site-Key": api.site_key}
    )
    assert reopen.json()["closed"] is False
    assert (await api.post(reader_token, "Now I can.")).status_code == 201


async def test_readers_cannot_close_threads(api, reader_token):
    r = await api.client.post(f"/api/v1/sites/demo/articles/{api.article}/close", headers=api.auth(reader_token))
    assert r.status_code == 403
    anonymous = await api.client.post(f"/api/v1/sites/demo/articles/{api.article}/close")
    assert anonymous.status_code == 401


async def test_counts_for_many_articles(api, reader_token):
    await api.client.put(
        "/api/v1/sites/demo/articles/second", json={"title": "2"}, headers={"X-Site-Key": api.site_key}
    )
    for text in ("one", "two"):
        await api.post(reader_token, f"Comment {text}")
    await api.post(reader_token, "On the second article", article="second")
    r = await api.client.get(f"/api/v1/sites/demo/counts?articles={api.article},second,missing")
    assert r.json()["counts"] == {api.article: 2, "second": 1, "missing": 0}


async def test_counts_are_bounded(api):
    ids = ",".join(f"a{i}" for i in range(101))
    r = await api.client.get(f"/api/v1/sites/demo/counts?articles={ids}")
    assert r.status_code == 422


async def test_auto_closed_threads_say_so(api, reader_token, settings):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from comments.db import Article, Site
    from comments.db.engine import sqlalchemy_config

    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        await session.execute(update(Site).values(rules={"thread": {"auto_close_after_days": 2}}))
        await session.execute(update(Article).values(created_at=datetime.now(UTC) - timedelta(days=3)))
        await session.commit()
    await config.get_engine().dispose()
    article = (await api.client.get(f"/api/v1/sites/demo/articles/{api.article}")).json()
    assert article["closed"] is True
    assert article["closes_at"] is not None
    r = await api.post(reader_token, "Too late?")
    assert r.status_code == 409
    assert r.json()["type"] == "/problems/thread-closed"
