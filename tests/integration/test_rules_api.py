"""The rules admin API: permissions, validation with pointers, versions and history, article overrides,
dry-run, backtest, and the rules taking effect on posting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from comments.db import Site
from comments.db.engine import sqlalchemy_config

RULES = "/api/v1/sites/demo/rules"


async def _site_rules_version(settings) -> int:
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        version = await session.scalar(select(Site.rules_version).where(Site.slug == "demo"))
    await config.get_engine().dispose()
    return version


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", RULES, None),
        ("PUT", RULES, {}),
        ("GET", RULES + "/history", None),
        ("POST", RULES + "/dry-run", {"body": "hi"}),
        ("POST", RULES + "/backtest", {"rules": {}}),
        ("GET", "/api/v1/sites/demo/articles/putin-warning-tomahawk/rules", None),
        ("PUT", "/api/v1/sites/demo/articles/putin-warning-tomahawk/rules", {}),
        ("DELETE", "/api/v1/sites/demo/articles/putin-warning-tomahawk/rules", None),
    ],
)
async def test_only_site_admins_and_superadmins(api, method, path, body):
    anonymous = await api.client.request(method, path, json=body)
    assert anonymous.status_code == 401
    reader = await api.reader("reader@example.com", "Reader")
    moderator = await api.staff("mod@example.com", "moderator")
    for token in (reader, moderator):
        r = await api.client.request(method, path, json=body, headers=api.auth(token))
        assert r.status_code == 403, (token, r.text)
    for role in ("admin", "superadmin"):
        token = await api.staff(f"{role}@example.com", role)
        r = await api.client.request(method, path, json=body, headers=api.auth(token))
        assert r.status_code == 200, r.text


async def test_admin_of_another_site_is_refused(api, settings):
    from comments.domain.sites.services import SiteService

    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        await SiteService(session=session).create_site("other", "Other", [])
        await session.commit()
    await config.get_engine().dispose()
    token = await api.staff("otheradmin@example.com", "admin", site="other")
    assert (await api.client.get(RULES, headers=api.auth(token))).status_code == 403
    assert (await api.client.get("/api/v1/sites/other/rules", headers=api.auth(token))).status_code == 200


async def test_get_shows_every_rule_with_defaults(api):
    admin = await api.staff("admin@example.com", "admin")
    body = (await api.client.get(RULES, headers=api.auth(admin))).json()
    assert body["version"] == 1
    assert body["rules"]["body"]["max_length"] == 5000
    assert body["rules"]["toxicity"]["thresholds"]["toxicity"]["hold"] is not None
    assert body["rules"]["premoderation"]["mode"] == "off"


async def test_the_site_stores_only_the_thresholds_it_changed(api, settings):
    from comments.domain.rules import DEFAULT_TOXICITY_THRESHOLDS

    admin = await api.staff("admin@example.com", "admin")
    shown = (await api.client.get(RULES, headers=api.auth(admin))).json()
    assert shown["defaults"]["toxicity"]["thresholds"] == DEFAULT_TOXICITY_THRESHOLDS
    assert shown["rules"] == shown["defaults"]
    document = shown["rules"]
    document["toxicity"]["thresholds"]["insult"]["hold"] = 0.5  # the whole document back, one value changed
    r = await api.client.put(RULES, json=document, headers=api.auth(admin))
    assert r.status_code == 200, r.text
    assert r.json()["rules"]["toxicity"]["thresholds"]["insult"] == {"hold": 0.5, "reject": None}
    assert r.json()["rules"]["toxicity"]["thresholds"]["threat"] == DEFAULT_TOXICITY_THRESHOLDS["threat"]
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        stored = await session.scalar(select(Site.rules).where(Site.slug == "demo"))
    await config.get_engine().dispose()
    assert stored["toxicity"] == {"thresholds": {"insult": {"hold": 0.5}}}


async def test_invalid_rule_sets_list_every_problem(api, settings):
    admin = await api.staff("admin@example.com", "admin")
    bad = {
        "body": {"min_length": 50, "max_length": 10},
        "premoderation": {"mode": "sometimes"},
        "toxicity": {"thresholds": {"toxicity": {"hold": 1.5}}},
        "nonsense": True,
    }
    r = await api.client.put(RULES, json=bad, headers=api.auth(admin))
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert {"/premoderation/mode", "/toxicity/thresholds/toxicity/hold", "/nonsense"} <= pointers
    assert any(p.startswith("/body") for p in pointers)
    assert await _site_rules_version(settings) == 1


async def test_changes_are_versioned_and_recorded(api):
    admin = await api.staff("admin@example.com", "admin")
    r = await api.client.put(RULES, json={"words": {"banned": ["scoundrel"]}}, headers=api.auth(admin))
    assert r.status_code == 200
    assert r.json()["version"] == 2
    assert r.json()["rules"]["words"]["banned"] == ["scoundrel"]
    stale = await api.client.put(RULES, json={}, headers={**api.auth(admin), "If-Match": '"1"'})
    assert stale.status_code == 409
    fresh = await api.client.put(RULES, json={}, headers={**api.auth(admin), "If-Match": '"2"'})
    assert fresh.status_code == 200
    history = (await api.client.get(RULES + "/history", headers=api.auth(admin))).json()["items"]
    assert [(h["action"], h["version"], h["actor"]) for h in history] == [
        ("rules.changed", 3, "admin@example.com"),
        ("rules.changed", 2, "admin@example.com"),
    ]
    assert history[1]["before"]["rules"]["words"]["banned"] == []
    assert history[1]["after"]["rules"]["words"]["banned"] == ["scoundrel"]


async def test_rules_take_effect_on_new_posts_and_keep_old_comments(api, reader_token):
    admin = await api.staff("admin@example.com", "admin")
    before = await api.post(reader_token, "You scoundrel of a minister.")
    assert before.json()["status"] == "published"
    await api.client.put(RULES, json={"words": {"banned": ["scoundrel"]}}, headers=api.auth(admin))
    after = await api.post(reader_token, "What a S C O U N D R E L.")
    assert after.json()["status"] == "rejected"
    assert after.json()["reasons"][0]["code"] == "words.banned"
    assert "scoundrel" not in after.json()["message"].lower()  # the word list stays private
    assert [c["body"] for c in (await api.thread())["items"]] == ["You scoundrel of a minister."]


async def test_guidelines_change_asks_readers_to_accept_again(api, reader_token):
    admin = await api.staff("admin@example.com", "admin")
    rules = (await api.client.get(RULES, headers=api.auth(admin))).json()["rules"]
    rules["guidelines"] = {"version": 2, "text": "New, stricter guidelines."}
    assert (await api.client.put(RULES, json=rules, headers=api.auth(admin))).status_code == 200
    me = (await api.client.get("/api/v1/me?site=demo", headers=api.auth(reader_token))).json()
    assert me["missing_fields"] == ["accepted_rules_version"]
    assert (await api.post(reader_token, "Hello")).status_code == 403
    guidelines = (await api.client.get("/api/v1/sites/demo/guidelines")).json()
    assert guidelines == {"site": "demo", "version": 2, "text": "New, stricter guidelines."}


HEATED = {
    "premoderation": {"mode": "new_commenters", "approved_comments_needed": 1},
    "body": {"max_links": 0, "max_links_action": "hold"},
    "toxicity": {"thresholds": {"toxicity": {"hold": 0.3, "reject": 0.99}}},
    "words": {"banned": ["traitor scum"]},
}


async def test_heated_article_override(api, settings):
    """The issue's story: tighten one heated article, preview it, and see newcomers held while regulars
    publish."""
    admin = await api.staff("admin@example.com", "admin")
    url = f"/api/v1/sites/demo/articles/{api.article}/rules"
    regular = await api.reader("regular@example.com", "Regular")
    assert (await api.post(regular, "An early, civil comment.")).json()["status"] == "published"

    dry = await api.client.post(
        RULES + "/dry-run",
        json={"body": "Read https://example.com first", "rules": HEATED, "author": {"approved_on_site": 0}},
        headers=api.auth(admin),
    )
    assert dry.status_code == 200
    assert dry.json()["decision"] == "held"
    assert {h["code"] for h in dry.json()["hits"]} >= {"premoderation.new_commenter"}

    report = await api.client.post(RULES + "/backtest", json={"rules": HEATED}, headers=api.auth(admin))
    assert report.status_code == 200
    assert report.json()["replayed"] == 1

    r = await api.client.put(url, json=HEATED, headers=api.auth(admin))
    assert r.status_code == 200
    assert r.json()["effective"]["premoderation"]["mode"] == "new_commenters"

    newcomer = await api.reader("newcomer@example.com", "Newcomer")
    held = (await api.post(newcomer, "My first comment here.")).json()
    assert held["status"] == "held"
    assert "premoderation.new_commenter" in {reason["code"] for reason in held["reasons"]}
    assert held["reasons"][0]["message"]
    assert (await api.post(regular, "Another civil remark from a regular.")).json()["status"] == "published"
    link = (await api.post(regular, "See https://example.org for the treaty text.")).json()
    assert link["status"] == "held"
    assert (await api.post(regular, "You traitor scum.")).json()["status"] == "rejected"

    removed = await api.client.delete(url, headers=api.auth(admin))
    assert removed.json()["override"] is None
    history = (await api.client.get(RULES + "/history", headers=api.auth(admin))).json()["items"]
    assert [h["action"] for h in history] == ["article_rules.removed", "article_rules.changed"]


async def test_invalid_override_is_refused_with_pointers(api):
    admin = await api.staff("admin@example.com", "admin")
    url = f"/api/v1/sites/demo/articles/{api.article}/rules"
    r = await api.client.put(
        url, json={"thread": {"max_depth": -3}, "body": {"caps": {"max_ratio": 7}}}, headers=api.auth(admin)
    )
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert pointers == {"/thread/max_depth", "/body/caps/max_ratio"}


async def test_dry_run_stores_nothing_and_shows_scores(api, scorer):
    admin = await api.staff("admin@example.com", "admin")
    r = await api.client.post(RULES + "/dry-run", json={"body": "You idiot."}, headers=api.auth(admin))
    body = r.json()
    assert body["decision"] == "held"
    assert body["scores"]["toxicity"] > 0.9
    assert body["model"] == "fake-keywords"
    assert (await api.thread())["items"] == []
    long = await api.client.post(RULES + "/dry-run", json={"body": "x" * 6000}, headers=api.auth(admin))
    assert long.json()["decision"] == "refused"
    assert long.json()["refused"]["status"] == 413


async def test_backtest_compares_with_moderators(api, settings, reader_token, scorer):
    """Comments the rules of the time published, held and rejected, replayed under stricter rules."""
    admin = await api.staff("admin@example.com", "admin")
    await api.post(reader_token, "Civil point one.")
    await api.post(reader_token, "You idiot.")  # held by the model
    strict = {"toxicity": {"thresholds": {"toxicity": {"hold": 0.01, "reject": 0.9}}}}
    r = await api.client.post(RULES + "/backtest", json={"rules": strict}, headers=api.auth(admin))
    report = r.json()["report"]
    assert report["total"] == 2
    assert report["actual"] == {"published": 1, "held": 1, "rejected": 0}
    assert report["would_be"] == {"published": 0, "held": 1, "rejected": 1}
    assert report["matrix"]["held"]["rejected"] == 1
    assert report["matrix"]["published"]["held"] == 1
    bad = await api.client.post(
        RULES + "/backtest", json={"rules": {"body": {"max_length": "long"}}}, headers=api.auth(admin)
    )
    assert bad.status_code == 422
