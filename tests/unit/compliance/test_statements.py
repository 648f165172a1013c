"""Statements of reasons from audit entries: which decisions get one, and the two automation flags."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from comments.domain.compliance.categories import CATEGORIES, eu_category_for
from comments.domain.compliance.eu_export import ExportRow, to_transparency_db
from comments.domain.compliance.report import AppealRow, NoticeRow, ReviewRow, StatementRow, build_report, report_csv
from comments.domain.compliance.statements import AuditFacts, NoticeContext, add_months, build_statement

SITE, AUTHOR, MODERATOR, COMMENT = uuid4(), uuid4(), uuid4(), uuid4()


def entry(action: str, *, actor=None, before=None, after=None, reason=None, note=None) -> AuditFacts:
    return AuditFacts(action, SITE, actor, AUTHOR, COMMENT, before, after, reason, note)


MODEL_HELD = {"auto_status": "held", "reason_codes": ["toxicity"], "toxicity_labels": ["insult"], "open_reports": 0}
RULE_HELD = {"auto_status": "held", "reason_codes": ["links"], "toxicity_labels": [], "open_reports": 0}
REPORTED = {"auto_status": "published", "reason_codes": [], "toxicity_labels": [], "open_reports": 3}
FLAGGED = {"auto_status": "published", "reason_codes": ["words"], "toxicity_labels": [], "flagged": True}


@pytest.mark.parametrize(
    ("facts", "decision", "detection", "decided_automatically", "source"),
    [
        (
            entry("comment.held", after={"reason_codes": ["toxicity"], "toxicity_labels": ["insult"]}),
            "restriction",
            True,
            True,
            "own_initiative",
        ),
        (
            entry("comment.auto_rejected", after={"reason_codes": ["banned_words"]}),
            "removal",
            True,
            True,
            "own_initiative",
        ),
        (entry("comment.reported", after={"hidden": True}, note="3 reports"), "restriction", False, True, "report"),
        (
            entry("comment.rejected", actor=MODERATOR, before=MODEL_HELD, reason="abusive"),
            "removal",
            True,
            False,
            "own_initiative",
        ),
        (
            entry("comment.rejected", actor=MODERATOR, before=RULE_HELD, reason="spam"),
            "removal",
            True,
            False,
            "own_initiative",
        ),
        (
            entry("comment.rejected", actor=MODERATOR, before=FLAGGED, reason="offensive"),
            "removal",
            True,
            False,
            "own_initiative",
        ),
        (entry("comment.rejected", actor=MODERATOR, before=REPORTED, reason="spam"), "removal", False, False, "report"),
        (
            entry("user.suspended", actor=MODERATOR, after={"until": "2026-12-03T00:00:00+00:00"}),
            "suspension",
            False,
            False,
            "own_initiative",
        ),
        (entry("user.banned", actor=MODERATOR, after={}), "ban", False, False, "own_initiative"),
    ],
)
def test_flags_follow_how_the_decision_was_made(facts, decision, detection, decided_automatically, source):
    draft = build_statement(facts)
    assert draft is not None
    assert draft.decision == decision
    assert draft.automated_detection is detection
    assert draft.automated_decision is decided_automatically
    assert draft.source == source
    assert draft.decided_by == (None if decided_automatically else MODERATOR)


@pytest.mark.parametrize("action", ["comment.approved", "user.warned", "notice.received", "appeal.decided"])
def test_no_statement_for_what_restricts_nothing(action):
    assert build_statement(entry(action)) is None


def test_a_report_threshold_that_keeps_the_comment_visible_restricts_nothing():
    assert build_statement(entry("comment.reported", after={"hidden": False})) is None


def test_a_notice_decision_cites_the_law():
    notice = NoticeContext(uuid4(), "defamation", "illegal", "False statement of fact.", "§186 StGB")
    draft = build_statement(entry("comment.rejected", actor=MODERATOR, before=MODEL_HELD, reason="other"), notice)
    assert draft is not None
    assert (draft.ground, draft.legal_reference, draft.source) == ("law", "§186 StGB", "notice")
    assert draft.eu_category == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert (draft.automated_detection, draft.automated_decision) == (False, False)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2026, 1, 15, 9, tzinfo=UTC), 6, datetime(2026, 7, 15, 9, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), 6, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2027, 8, 31, tzinfo=UTC), 6, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 12, 1, tzinfo=UTC), 1, datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_add_months(start, months, end):
    assert add_months(start, months) == end


def test_every_category_maps_to_an_eu_category():
    assert all(c.eu_category.startswith("STATEMENT_CATEGORY_") for c in CATEGORIES.values())
    assert eu_category_for(None, "spam") == "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    assert eu_category_for(None, "unknown_rule") == "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"


def test_transparency_database_format():
    at = datetime(2026, 11, 30, 12, tzinfo=UTC)
    row = ExportRow(
        uuid4(),
        "suspension",
        "terms",
        None,
        "community guidelines",
        "Insults.",
        "Facts.",
        None,
        "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
        "own_initiative",
        False,
        False,
        at,
        None,
        datetime(2026, 12, 7, tzinfo=UTC),
    )
    out = to_transparency_db(row)
    assert out["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert out["end_date_account_restriction"] == "2026-12-07"
    assert out["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert out["incompatible_content_ground"] == "community guidelines"
    assert out["application_date"] == out["content_date"] == "2026-11-30"
    assert out["source_type"] == "SOURCE_VOLUNTARY"
    assert "decision_visibility" not in out
    assert len(out["territorial_scope"]) == 30


def test_report_figures():
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    later = datetime(2026, 11, 1, 1, tzinfo=UTC)
    report = build_report(
        site="demo",
        start=t0,
        end=later,
        notices=[
            NoticeRow(
                "defamation", "decided", "remove", "illegal", False, t0, datetime(2026, 11, 1, 0, 10, tzinfo=UTC)
            ),
            NoticeRow(
                "defamation", "decided", "keep", "not_illegal", True, t0, datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
            ),
            NoticeRow("scam_or_fraud", "open", None, None, False, t0, None),
        ],
        statements=[
            StatementRow("restriction", "terms", "own_initiative", "toxicity", None, "X", True, True),
            StatementRow("removal", "terms", "own_initiative", "abusive", None, "X", True, False),
            StatementRow("removal", "law", "notice", None, "defamation", "Y", False, False),
            StatementRow("suspension", "terms", "own_initiative", None, None, "Z", False, False),
        ],
        appeals=[AppealRow("decided", "reversed", t0, datetime(2026, 11, 1, 0, 0, 40, tzinfo=UTC), True)],
        reviews=[
            ReviewRow(approved=False, auto_status="held", model_flagged=True, rules_flagged=False),
            ReviewRow(approved=False, auto_status="held", model_flagged=True, rules_flagged=False),
            ReviewRow(approved=True, auto_status="held", model_flagged=True, rules_flagged=False),
            ReviewRow(approved=False, auto_status="published", model_flagged=False, rules_flagged=False),
        ],
        generated_at=later,
    )
    assert report["notices"]["by_category"] == {"defamation": 2, "scam_or_fraud": 1}
    assert report["notices"]["by_outcome"] == {"keep": 1, "remove": 1}
    assert report["notices"]["median_time_to_decision_seconds"] == 1200.0
    assert report["own_initiative"]["total"] == 2
    assert report["own_initiative"]["decision"] == {"automated": 1, "human": 1}
    assert report["appeals"]["reversed"] == 1
    assert report["suspensions"]["suspensions"] == 1
    model = report["automated_tools"]["model"]
    assert model["precision"] == round(2 / 3, 4)
    assert model["recall_estimate"] == round(2 / 3, 4)  # 2 found, 1 missed and found by people
    assert model["automated_decisions_reversed_on_appeal"] == 1
    assert "automated_tools.model.precision,0.6667" in report_csv(report).splitlines()
