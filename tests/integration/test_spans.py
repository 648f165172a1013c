"""Why a comment was held: the spans explain() gave for a comment a toxicity threshold held are stored with
it, shown to moderators on the queue, recomputed on an edit, and never cost a post when explain fails."""

from __future__ import annotations

import pytest

from comments.domain.rules import DEFAULT_TOXICITY_THRESHOLDS
from tests.support import cast_of, comment_row, queue


@pytest.fixture
async def cast(api):
    return await cast_of(api)


async def test_a_held_comment_carries_the_spans_that_held_it(api, cast, settings):
    token = await api.reader("new@example.com", "Newcomer")
    posted = (await api.post(token, "Honestly, you are an idiot and a moron.")).json()
    assert posted["status"] == "held"
    assert "spans" not in posted  # for moderators only
    [item] = (await queue(api, cast.tokens["moderator"]))["items"]
    body = item["comment"]["body"]
    assert [(body[s["start"] : s["end"]], s["label"]) for s in item["spans"]] == [
        ("idiot", "toxicity"),
        ("moron", "toxicity"),
    ]
    [reason] = item["reasons"]
    hold = DEFAULT_TOXICITY_THRESHOLDS["toxicity"]["hold"]
    assert reason["detail"]["summary"] == f"toxicity:0.99>={hold}"  # the label, its score and its threshold
    # The author's view of their own comment says nothing about spans either.
    thread = await api.thread(token)
    assert "spans" not in str(thread)


async def test_published_comments_and_rule_holds_have_no_spans(api, cast, settings, scorer):
    token = await api.reader("new@example.com", "Newcomer")
    civil = (await api.post(token, "A calm, civil remark.")).json()
    assert civil["status"] == "published"
    assert (await comment_row(settings, civil["id"])).spans is None


async def test_an_edit_recomputes_the_spans_or_drops_them(api, cast, settings):
    token = await api.reader("new@example.com", "Newcomer")
    posted = (await api.post(token, "You are an idiot.")).json()
    assert (await comment_row(settings, posted["id"])).spans == [
        {"start": 11, "end": 16, "label": "toxicity", "score": 0.9}
    ]
    edited = await api.client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "Well, well: you are a moron."}, headers=api.auth(token)
    )
    assert edited.status_code == 200, edited.text
    assert [(s["start"], s["end"]) for s in (await comment_row(settings, posted["id"])).spans] == [(22, 27)]
    civil = await api.client.patch(
        f"/api/v1/comments/{posted['id']}", json={"body": "I take that back."}, headers=api.auth(token)
    )
    assert civil.json()["status"] == "published"
    assert (await comment_row(settings, posted["id"])).spans is None


@pytest.mark.parametrize("trouble", ["fail", "slow"])
async def test_explain_failing_or_slow_never_loses_the_post(api, cast, settings, scorer, monkeypatch, trouble):
    monkeypatch.setattr("comments.domain.comments.pipeline.EXPLAIN_SECONDS", 0.2)
    scorer.explain_fail = trouble == "fail"
    scorer.explain_delay = 1.0 if trouble == "slow" else 0.0
    token = await api.reader("new@example.com", "Newcomer")
    posted = await api.post(token, "You are an idiot.")
    assert posted.status_code == 201, posted.text
    assert posted.json()["status"] == "held"
    row = await comment_row(settings, posted.json()["id"])
    assert row.spans is None
    assert row.scores is not None
