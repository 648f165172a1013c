"""The DSA loop through HTTP: a notice from a reader who is not logged in, statements of reasons with
truthful automation flags, appeals decided by a second moderator, misuse, and the transparency report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select, text, update

from comments.db import Comment, ComplianceMessage, MailMessage, StatementOfReasons
from tests.support import Api, audit_actions, comment_row, db_run, decide, seed_comment, staff, user_id

NOTICE = {
    "category": "illegal_hate_speech",
    "explanation": "It calls for hatred against a religious group.",
    "legal_ground": "Section 130 StGB (Volksverhetzung)",
    "bona_fide": True,
}


async def post_held(api: Api, token: str, body: str = "You are an idiot and everyone knows it") -> dict[str, Any]:
    response = await api.post(token, body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "held", response.json()
    return response.json()


async def my_statements(api: Api, token: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/me/statements", params=params, headers=api.auth(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def messages(api: Api) -> list[ComplianceMessage]:
    return await db_run(
        api.settings, lambda s: _all(s, select(ComplianceMessage).order_by(ComplianceMessage.created_at))
    )


async def _all(session: Any, query: Any) -> list[Any]:
    return list(await session.scalars(query))


@pytest.fixture
async def people(api: Api) -> dict[str, Any]:
    people: dict[str, Any] = {
        "author": await api.reader("author@example.com", "Author"),
        "moderator": await staff(api, "mod@example.com", "moderator"),
        "second": await staff(api, "mod2@example.com", "moderator"),
        "admin": await staff(api, "admin@example.com", "admin"),
    }
    people["author_id"] = await user_id(api, people["author"])
    people["moderator_id"] = await user_id(api, people["moderator"])
    return people


async def test_held_by_the_model_rejected_by_a_moderator_appealed_and_reversed(api: Api, people: dict[str, Any]):
    posted = await post_held(api, people["author"])
    comment_id = posted["id"]
    # The hold itself is a restriction: detected and decided automatically.
    [hold] = await my_statements(api, people["author"])
    assert (hold["decision"], hold["automated_detection"], hold["automated_decision"]) == ("restriction", True, True)
    assert hold["comment_id"] == comment_id
    assert "toxicity" in hold["facts"]

    response = await decide(api, people["moderator"], comment_id, "reject", 1, reason_code="abusive", note="Insult.")
    assert response.status_code == 200, response.text
    statements = await my_statements(api, people["author"], comment_id=comment_id)
    removal = statements[0]
    assert removal["decision"] == "removal"
    assert removal["automated_detection"] is True  # the model held it
    assert removal["automated_decision"] is False  # a moderator decided
    assert removal["ground"] == "terms"
    assert removal["terms_rule"] == "abusive"
    assert removal["redress"]["appeal"]["available"] is True
    assert removal["redress"]["out_of_court"]
    assert removal["redress"]["courts"]

    got = await api.client.get(f"/api/v1/statements/{removal['id']}", headers=api.auth(people["author"]))
    assert got.status_code == 200
    assert got.json() == removal

    appealed = await api.client.post(
        "/api/v1/appeals",
        json={"comment_id": comment_id, "explanation": "It was a joke between friends."},
        headers=api.auth(people["author"]),
    )
    assert appealed.status_code == 201, appealed.text
    appeal = appealed.json()
    assert appeal["statement"]["id"] == removal["id"]
    assert appeal["original_decider"] == str(people["moderator_id"])
    again = await api.client.post(
        "/api/v1/appeals", json={"comment_id": comment_id, "explanation": "Again."}, headers=api.auth(people["author"])
    )
    assert again.status_code == 409

    tab = await api.client.get("/api/v1/sites/demo/moderation/appeals", headers=api.auth(people["second"]))
    assert tab.status_code == 200
    assert [a["id"] for a in tab.json()["items"]] == [appeal["id"]]

    url = f"/api/v1/moderation/appeals/{appeal['id']}/decision"
    body = {"outcome": "reversed", "explanation": "Banter, not abuse."}
    same = await api.client.post(url, json=body, headers=api.auth(people["moderator"]))
    assert same.status_code == 403
    assert same.json()["type"] == "/problems/same-decider"
    reversed_ = await api.client.post(url, json=body, headers=api.auth(people["second"]))
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["outcome"] == "reversed"
    assert (await comment_row(api.settings, comment_id)).status == "published"
    twice = await api.client.post(url, json=body, headers=api.auth(people["admin"]))
    assert twice.status_code == 409

    actions = [e.action for e in await audit_actions(api.settings, comment_id=UUID(comment_id))]
    assert actions == ["comment.held", "comment.rejected", "appeal.received", "comment.approved", "appeal.decided"]
    issued = [m for m in await messages(api) if m.kind == "statement.issued"]
    assert [m.statement_id for m in issued] == [UUID(hold["id"]), UUID(removal["id"])]
    assert {m.to_user_id for m in issued} == {people["author_id"]}
    told = [m for m in await messages(api) if m.kind == "appeal.decided"]
    assert len(told) == 1
    assert told[0].to_user_id == people["author_id"]
    assert "reversed" in told[0].body
    [after] = [s for s in await my_statements(api, people["author"]) if s["id"] == removal["id"]]
    assert after["appeal"]["outcome"] == "reversed"
    assert after["redress"]["appeal"]["available"] is False

    report = await api.client.get("/api/v1/sites/demo/transparency-report", headers=api.auth(people["admin"]))
    assert report.status_code == 200, report.text
    figures = report.json()
    assert figures["appeals"] == {
        "received": 1,
        "decided": 1,
        "upheld": 0,
        "reversed": 1,
        "open": 0,
        "median_time_to_decision_seconds": figures["appeals"]["median_time_to_decision_seconds"],
    }
    own = figures["own_initiative"]
    assert own["total"] == 2
    assert own["detection"] == {"automated": 2, "human": 0}
    assert own["decision"] == {"automated": 1, "human": 1}
    model = figures["automated_tools"]["model"]
    # Two moderator decisions on a comment the model held: the rejection (confirmed), then the reversal's
    # approval (overturned).
    assert (model["held_and_reviewed"], model["confirmed_by_moderators"], model["precision"]) == (2, 1, 0.5)


async def test_anonymous_notice_reaches_the_tab_and_gets_a_decision(api: Api, people: dict[str, Any]):
    published = await api.post(people["author"], "An ordinary comment that someone finds illegal.")
    comment_id = published.json()["id"]
    response = await api.client.post(
        "/api/v1/notices", json={**NOTICE, "comment_id": comment_id, "reporter_email": "notifier@example.org"}
    )
    assert response.status_code == 201, response.text
    notice_id = response.json()["id"]
    [receipt] = await messages(api)
    assert receipt.kind == "notice.received"
    assert receipt.to_email == "notifier@example.org"
    [mail] = await db_run(
        api.settings, lambda s: _all(s, select(MailMessage).where(MailMessage.template == "dsa_message"))
    )
    assert (mail.to_address, mail.subject) == ("notifier@example.org", receipt.subject)  # in the mail outbox

    tab = await api.client.get("/api/v1/sites/demo/moderation/notices", headers=api.auth(people["moderator"]))
    assert tab.status_code == 200, tab.text
    [item] = tab.json()["items"]
    assert item["id"] == notice_id
    assert item["seconds_since_receipt"] >= 0
    assert item["status"] == "open"
    assert item["comment"]["id"] == comment_id
    assert item["reporter_id"] is None
    queue = await api.client.get("/api/v1/sites/demo/moderation/queue", headers=api.auth(people["moderator"]))
    assert queue.json()["items"] == []  # notices are not reader reports

    url = f"/api/v1/moderation/notices/{notice_id}/decision"
    incomplete = await api.client.post(
        url,
        json={"action": "remove", "ground": "illegal", "explanation": "Hate speech."},
        headers=api.auth(people["moderator"]),
    )
    assert incomplete.status_code == 422
    assert incomplete.json()["errors"][0]["pointer"] == "/legal_reference"
    decided = await api.client.post(
        url,
        json={
            "action": "remove",
            "ground": "illegal",
            "explanation": "Incites hatred.",
            "legal_reference": "§130 StGB",
        },
        headers=api.auth(people["moderator"]),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "decided"
    assert decided.json()["statement_id"]
    assert (await comment_row(api.settings, comment_id)).status == "rejected"
    [statement] = await my_statements(api, people["author"], comment_id=comment_id)
    assert statement["source"] == "notice"
    assert statement["ground"] == "law"
    assert statement["legal_reference"] == "§130 StGB"
    assert statement["category"] == "illegal_hate_speech"
    assert (statement["automated_detection"], statement["automated_decision"]) == (False, False)
    decision_mail = [m for m in await messages(api) if m.kind == "notice.decided"]
    assert len(decision_mail) == 1
    assert "out-of-court" in decision_mail[0].body
    again = await api.client.post(
        url, json={"action": "keep", "ground": "not_illegal", "explanation": "x"}, headers=api.auth(people["moderator"])
    )
    assert again.status_code == 409
    actions = [e.action for e in await audit_actions(api.settings, comment_id=UUID(comment_id))]
    assert actions == ["notice.received", "comment.rejected", "notice.decided"]

    report = (await api.client.get("/api/v1/sites/demo/transparency-report", headers=api.auth(people["admin"]))).json()
    assert report["notices"]["received"] == 1
    assert report["notices"]["by_category"] == {"illegal_hate_speech": 1}
    assert report["notices"]["by_outcome"] == {"remove": 1}
    assert report["notices"]["median_time_to_decision_seconds"] is not None
    assert report["notice_actions"] == {"total": 1, "by_decision": {"removal": 1}}
    csv = await api.client.get(
        "/api/v1/sites/demo/transparency-report", params={"format": "csv"}, headers=api.auth(people["admin"])
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "notices.by_category.illegal_hate_speech,1" in csv.text.splitlines()
    export = await api.client.get("/api/v1/sites/demo/statements-of-reasons/export", headers=api.auth(people["admin"]))
    assert export.status_code == 200
    [eu] = export.json()["statements"]
    assert eu["puid"] == statement["id"]
    assert eu["source_type"] == "SOURCE_ARTICLE_16"
    assert eu["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert eu["illegal_content_legal_ground"] == "§130 StGB"
    assert eu["category"] == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert eu["automated_detection"] == "No"
    assert eu["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"


async def test_restrict_and_keep(api: Api, people: dict[str, Any]):
    ids = [(await api.post(people["author"], f"Comment number {i} about the article.")).json()["id"] for i in range(2)]
    notices = []
    for comment_id in ids:
        response = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": comment_id})
        notices.append(response.json()["id"])
    restricted = await api.client.post(
        f"/api/v1/moderation/notices/{notices[0]}/decision",
        json={"action": "restrict", "ground": "terms", "explanation": "Against our guidelines, not clearly illegal."},
        headers=api.auth(people["moderator"]),
    )
    assert restricted.status_code == 200, restricted.text
    assert (await comment_row(api.settings, ids[0])).status == "held"
    [statement] = await my_statements(api, people["author"], comment_id=ids[0])
    assert statement["decision"] == "restriction"
    assert statement["ground"] == "terms"
    assert statement["source"] == "notice"
    kept = await api.client.post(
        f"/api/v1/moderation/notices/{notices[1]}/decision",
        json={"action": "keep", "ground": "not_illegal", "explanation": "Opinion, not illegal."},
        headers=api.auth(people["moderator"]),
    )
    assert kept.status_code == 200
    assert kept.json()["statement_id"] is None
    assert (await comment_row(api.settings, ids[1])).status == "published"
    assert await my_statements(api, people["author"], comment_id=ids[1]) == []


async def test_a_notice_needs_bona_fide_true_and_is_rate_limited(api: Api, people: dict[str, Any]):
    comment_id = (await api.post(people["author"], "A comment to notify.")).json()["id"]
    for body in ({**NOTICE, "bona_fide": False}, {k: v for k, v in NOTICE.items() if k != "bona_fide"}):
        response = await api.client.post("/api/v1/notices", json={**body, "comment_id": comment_id})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/bona_fide"
    bad = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": comment_id, "category": "rudeness"})
    assert bad.status_code in (400, 422)
    missing = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": str(UUID(int=1))})
    assert missing.status_code == 404
    for _ in range(5):
        ok = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": comment_id})
        assert ok.status_code == 201, ok.text
    limited = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": comment_id})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0


async def test_sanctions_get_statements_and_an_appeal_lifts_them(api: Api, people: dict[str, Any]):
    response = await api.client.post(
        f"/api/v1/sites/demo/users/{people['author_id']}/sanctions",
        json={"kind": "suspend", "reason": "Repeated insults.", "duration_hours": 48},
        headers=api.auth(people["moderator"]),
    )
    assert response.status_code == 201, response.text
    [statement] = await my_statements(api, people["author"])
    assert statement["decision"] == "suspension"
    assert statement["sanction_id"] == response.json()["id"]
    assert (statement["automated_detection"], statement["automated_decision"]) == (False, False)
    assert statement["until"] is not None
    blocked = await api.post(people["author"], "Can I post?")
    assert blocked.status_code == 403
    appeal = await api.client.post(
        "/api/v1/appeals",
        json={"statement_id": statement["id"], "explanation": "I apologise."},
        headers=api.auth(people["author"]),
    )
    assert appeal.status_code == 201, appeal.text
    upheld_by_self = await api.client.post(
        f"/api/v1/moderation/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "upheld", "explanation": "No."},
        headers=api.auth(people["moderator"]),
    )
    assert upheld_by_self.status_code == 403
    lifted = await api.client.post(
        f"/api/v1/moderation/appeals/{appeal.json()['id']}/decision",
        json={"outcome": "reversed", "explanation": "Accepted."},
        headers=api.auth(people["second"]),
    )
    assert lifted.status_code == 200, lifted.text
    assert (await api.post(people["author"], "Back again, politely.")).status_code == 201
    actions = [e.action for e in await audit_actions(api.settings, target_user_id=people["author_id"])]
    assert actions[-2:] == ["sanction.lifted", "appeal.decided"]
    report = (await api.client.get("/api/v1/sites/demo/transparency-report", headers=api.auth(people["admin"]))).json()
    assert report["suspensions"]["suspensions"] == 1


async def test_appeals_close_after_six_months(api: Api, people: dict[str, Any]):
    comment = await seed_comment(api.settings, people["author_id"])
    response = await decide(api, people["moderator"], comment.id, "reject", 1, reason_code="spam")
    assert response.status_code == 200
    # Statements are immutable: to age one, rewrite its time with the trigger out of the way.
    is_sqlite = api.settings.is_sqlite

    async def age(session: Any) -> None:
        if is_sqlite:
            await session.execute(text("DROP TRIGGER dsa_statement_no_update"))
        else:
            await session.execute(text("ALTER TABLE dsa_statement DISABLE TRIGGER dsa_statement_immutable"))
        await session.execute(update(StatementOfReasons).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))
        if not is_sqlite:
            await session.execute(text("ALTER TABLE dsa_statement ENABLE TRIGGER dsa_statement_immutable"))

    await db_run(api.settings, age)
    late = await api.client.post(
        "/api/v1/appeals",
        json={"comment_id": str(comment.id), "explanation": "Late."},
        headers=api.auth(people["author"]),
    )
    assert late.status_code == 409
    assert late.json()["type"] == "/problems/appeal-too-late"


async def test_statements_cannot_be_changed(api: Api, people: dict[str, Any]):
    await post_held(api, people["author"])

    async def tamper(session: Any) -> None:
        row = await session.scalar(select(StatementOfReasons))
        row.facts = "rewritten"

    with pytest.raises(Exception, match="immutable"):
        await db_run(api.settings, tamper)


async def test_misuse_suspends_a_notifier_with_a_statement(api: Api, people: dict[str, Any]):
    comment_id = (await api.post(people["author"], "A perfectly lawful comment.")).json()["id"]
    notifier = await api.reader("notifier@example.com", "Notifier")
    headers = api.auth(notifier)
    notice_ids = []
    for _ in range(3):
        response = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": comment_id}, headers=headers)
        notice_ids.append(response.json()["id"])
    early = await api.client.post(
        f"/api/v1/moderation/notices/{notice_ids[0]}/suspend-notifier",
        json={"explanation": "Too soon."},
        headers=api.auth(people["moderator"]),
    )
    assert early.status_code == 409
    for notice_id in notice_ids:
        decided = await api.client.post(
            f"/api/v1/moderation/notices/{notice_id}/decision",
            json={"action": "keep", "ground": "not_illegal", "explanation": "Lawful.", "manifestly_unfounded": True},
            headers=api.auth(people["moderator"]),
        )
        assert decided.status_code == 200, decided.text
    suspended = await api.client.post(
        f"/api/v1/moderation/notices/{notice_ids[-1]}/suspend-notifier",
        json={"explanation": "Three unfounded notices about the same lawful comment.", "days": 30},
        headers=api.auth(people["moderator"]),
    )
    assert suspended.status_code == 201, suspended.text
    assert suspended.json()["unfounded_notices"] == 3
    [statement] = await my_statements(api, notifier)
    assert statement["decision"] == "notice_suspension"
    assert statement["id"] == suspended.json()["statement_id"]
    refused = await api.client.post("/api/v1/notices", json={**NOTICE, "comment_id": comment_id}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/notifier-suspended"
    report = (await api.client.get("/api/v1/sites/demo/transparency-report", headers=api.auth(people["admin"]))).json()
    assert report["notices"]["manifestly_unfounded"] == 3
    assert report["suspensions"]["notice_suspensions"] == 1


async def test_the_pipeline_and_report_thresholds_write_statements(api: Api, people: dict[str, Any]):
    await post_held(api, people["author"])
    rows = await db_run(api.settings, lambda s: _all(s, select(StatementOfReasons)))
    assert len(rows) == 1
    assert rows[0].content_date is not None
    comment = await db_run(api.settings, lambda s: s.scalar(select(Comment)))
    assert rows[0].comment_id == comment.id
    assert rows[0].user_id == people["author_id"]
