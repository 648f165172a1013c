"""backtest(): a proposed rule set replayed over stored comments, compared with what happened."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from comments.domain.rules import BacktestRecord, backtest, default_rules
from tests.unit.rules.helpers import NOW, rules

CIVIL = "I think the minister is right about the talks."


def record(n: int, body: str = CIVIL, **fields: Any) -> BacktestRecord:
    defaults: dict[str, Any] = {
        "id": f"c{n:03d}",
        "body": body,
        "depth": 0,
        "created_at": NOW + timedelta(minutes=n),
        "scores": {"toxicity": 0.1},
        "original_status": "published",
        "moderator_decision": None,
        "account_created_at": NOW - timedelta(days=365),
        "approved_on_site": 10,
    }
    return BacktestRecord(**{**defaults, **fields})


HEATED = rules(
    words={"banned": ["idiot"]},
    toxicity={"thresholds": {"toxicity": {"hold": 0.3, "reject": 0.9}}},
    premoderation={"mode": "new_commenters"},
)
RECORDS = [
    record(1),  # published -> published
    record(2, "you idiot", moderator_decision="approved"),  # approved -> rejected (banned word)
    record(3, scores={"toxicity": 0.4}, moderator_decision="approved"),  # approved -> held (threshold)
    record(4, scores={"toxicity": 0.95}, original_status="held", moderator_decision="approved"),  # -> rejected
    record(5, original_status="held", moderator_decision="rejected"),  # rejected -> published
    record(6, approved_on_site=0, original_status="rejected", moderator_decision="rejected"),  # new commenter -> held
    record(7, scores=None),  # unscored -> held
]


def test_the_report_compares_would_be_with_actual() -> None:
    report = backtest(HEATED, RECORDS)
    assert report.total == 7
    assert report.actual == {"published": 4, "held": 2, "rejected": 1}
    assert report.would_be == {"published": 2, "held": 3, "rejected": 2}
    assert report.matrix == {
        "published": {"published": 1, "held": 2, "rejected": 1},
        "held": {"published": 1, "held": 0, "rejected": 1},
        "rejected": {"published": 0, "held": 1, "rejected": 0},
    }
    assert report.changed == 6
    assert (report.approved_now_held, report.approved_now_rejected, report.rejected_now_published) == (1, 2, 1)
    assert report.reason_counts == {
        "classifier_unavailable": 1,
        "premoderation.new_commenter": 1,
        "toxicity": 2,
        "words.banned": 1,
    }


def test_examples_show_each_change_with_its_reasons() -> None:
    report = backtest(HEATED, RECORDS)
    assert {change: [e.id for e in found] for change, found in report.examples.items()} == {
        "approved_now_held": ["c003"],
        "approved_now_rejected": ["c002", "c004"],
        "rejected_now_published": ["c005"],
    }
    banned = report.examples["approved_now_rejected"][0]
    assert (banned.excerpt, banned.old_status, banned.new_status) == ("you idiot", "published", "rejected")
    assert [r.code for r in banned.reasons] == ["words.banned"]
    assert [r.detail["summary"] for r in report.examples["approved_now_held"][0].reasons] == ["toxicity:0.40>=0.30"]


def test_examples_are_capped_and_excerpts_short() -> None:
    long_body = "idiot " + "word " * 100
    records = [record(n, long_body, moderator_decision="approved") for n in range(10)]
    report = backtest(HEATED, records, examples=3)
    assert report.approved_now_rejected == 10
    assert [e.id for e in report.examples["approved_now_rejected"]] == ["c000", "c001", "c002"]
    excerpt = report.examples["approved_now_rejected"][0].excerpt
    assert len(excerpt) == 140
    assert excerpt.endswith("…")
    assert backtest(HEATED, records, examples=0).examples["approved_now_rejected"] == []


def test_the_same_rules_change_nothing() -> None:
    records = [record(n, original_status="published", moderator_decision="approved") for n in range(5)]
    report = backtest(default_rules(), records)
    assert report.changed == 0
    assert report.matrix["published"] == {"published": 5, "held": 0, "rejected": 0}


def test_the_report_does_not_depend_on_the_order_of_records() -> None:
    shuffled = RECORDS.copy()
    random.Random(3).shuffle(shuffled)
    assert backtest(HEATED, shuffled) == backtest(HEATED, RECORDS)
    assert backtest(HEATED, iter(RECORDS)) == backtest(HEATED, RECORDS)


def test_duplicates_replay_among_the_records_of_one_author() -> None:
    records = [
        record(1, "Same thing again", author_id="u1"),
        record(2, "same   thing again!", author_id="u1"),  # 1 minute later: a duplicate
        record(3, "Same thing again", author_id="u2"),  # someone else
        record(20, "Same thing again", author_id="u1"),  # 19 minutes later: outside the window
        record(21, "Same thing again"),  # no author: not replayed
    ]
    report = backtest(default_rules(), records)
    assert report.reason_counts == {"duplicate": 1}
    assert report.matrix["published"]["rejected"] == 1


def test_account_age_replays_from_the_record() -> None:
    young = rules(account={"minimum_age_seconds": 86_400})
    records = [
        record(1, account_created_at=NOW),  # a minute old when posting
        record(2, account_created_at=NOW - timedelta(days=2)),
    ]
    assert backtest(young, records).reason_counts == {"account.too_new": 1}


def test_reply_depth_replays() -> None:
    records = [record(1, depth=1), record(2, depth=4)]
    assert backtest(rules(thread={"max_depth": 2}), records).reason_counts == {"thread.too_deep": 1}


def test_the_report_encodes_to_json() -> None:
    encoded = msgspec.json.decode(msgspec.json.encode(backtest(HEATED, RECORDS)))
    assert encoded["examples"]["approved_now_rejected"][0]["reasons"][0]["code"] == "words.banned"
    assert encoded["matrix"]["published"]["rejected"] == 1


@pytest.mark.parametrize("count", [0, 1, 50])
def test_totals_add_up(count: int) -> None:
    rng = random.Random(count)
    records = [
        replace(
            record(n, rng.choice([CIVIL, "you idiot", "FINE"])),
            scores=rng.choice([None, {"toxicity": rng.random()}]),
            original_status=rng.choice(["published", "held", "rejected"]),
            moderator_decision=rng.choice([None, "approved", "rejected"]),
        )
        for n in range(count)
    ]
    report = backtest(HEATED, records)
    assert report.total == count == sum(report.actual.values()) == sum(report.would_be.values())
    assert report.changed == count - sum(report.matrix[s][s] for s in report.matrix)
