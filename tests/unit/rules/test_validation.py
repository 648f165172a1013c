"""validate() and validate_override(): every problem listed, each with a JSON pointer."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from comments.domain.rules import (
    DEFAULT_TOXICITY_THRESHOLDS,
    RuleSet,
    RuleSetInvalid,
    default_rules,
    effective_thresholds,
    validate,
    validate_override,
)


def problems(document: Any) -> dict[str, str]:
    with pytest.raises(RuleSetInvalid) as caught:
        validate(document)
    return {error["pointer"]: error["message"] for error in caught.value.errors}


def test_an_empty_document_is_the_default_rule_set() -> None:
    assert validate({}) == default_rules()
    assert validate(b"{}") == default_rules()
    assert validate("{}") == default_rules()


def test_the_default_rule_set_round_trips() -> None:
    encoded = msgspec.json.encode(default_rules())
    assert validate(encoded) == default_rules()
    assert msgspec.json.decode(encoded, type=RuleSet) == default_rules()


def test_the_seed_defaults_are_kept() -> None:
    rules = default_rules()
    assert rules.profile.required_fields == [
        "display_name",
        "full_name",
        "country",
        "birth_year",
        "accepted_rules_version",
    ]
    assert rules.profile.minimum_age == 16
    assert rules.guidelines.version == 1
    assert rules.guidelines.text.startswith("Be civil.")
    assert (rules.body.min_length, rules.body.max_length) == (1, 5000)
    assert (rules.thread.max_depth, rules.thread.edit_window_seconds) == (5, 300)


def test_toxicity_defaults_come_from_the_one_constant() -> None:
    thresholds = {label: msgspec.to_builtins(t) for label, t in effective_thresholds(default_rules().toxicity).items()}
    assert thresholds == DEFAULT_TOXICITY_THRESHOLDS
    assert default_rules().toxicity.thresholds is not RuleSet().toxicity.thresholds  # not shared


def test_a_rule_set_keeps_only_the_thresholds_that_differ_from_the_defaults() -> None:
    sent = {label: dict(levels) for label, levels in DEFAULT_TOXICITY_THRESHOLDS.items()}  # what GET shows
    sent["insult"]["hold"] = 0.5
    sent["toxicity"]["hold"] = None  # off: an override too
    sent["spam_v2"] = {"hold": None, "reject": 0.99}  # a label with no default: null is its default
    rules = validate({"toxicity": {"thresholds": sent}})
    assert msgspec.to_builtins(rules.toxicity) == {
        "thresholds": {"insult": {"hold": 0.5}, "toxicity": {"hold": None}, "spam_v2": {"reject": 0.99}}
    }
    effective = effective_thresholds(rules.toxicity)
    assert (effective["insult"].hold, effective["insult"].reject) == (0.5, None)
    assert effective["toxicity"].hold is None
    assert effective["threat"].hold == DEFAULT_TOXICITY_THRESHOLDS["threat"]["hold"]  # not named: the default
    assert effective["spam_v2"].reject == 0.99


def test_a_new_models_defaults_reach_a_rule_set_that_did_not_change_them(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = validate({"toxicity": {"thresholds": {"insult": {"hold": 0.5}}}})
    newer = {**DEFAULT_TOXICITY_THRESHOLDS, "threat": {"hold": 0.4, "reject": 0.9}}
    monkeypatch.setattr("comments.domain.rules.schema.DEFAULT_TOXICITY_THRESHOLDS", newer)
    effective = effective_thresholds(rules.toxicity)
    assert (effective["threat"].hold, effective["threat"].reject) == (0.4, 0.9)
    assert effective["insult"].hold == 0.5


def test_hold_above_reject_is_checked_on_the_levels_the_document_sets() -> None:
    assert problems({"toxicity": {"thresholds": {"insult": {"hold": 0.9, "reject": 0.5}}}}) == {
        "/toxicity/thresholds/insult/hold": "must not exceed reject (0.5)"
    }
    # A reject under the default hold alone is fine: rejecting comes first, the hold never applies.
    validate({"toxicity": {"thresholds": {"insult": {"reject": 0.5}}}})


@pytest.mark.parametrize(
    ("document", "pointer", "message"),
    [
        ({"bogus": 1}, "/bogus", "unknown field; expected one of: profile, guidelines"),
        ({"body": {"max_lenght": 9}}, "/body/max_lenght", "unknown field"),
        ({"body": []}, "/body", "Expected an object"),
        ({"body": {"max_length": "long"}}, "/body/max_length", "Expected `int`, got `str`"),
        ({"body": {"max_length": True}}, "/body/max_length", "Expected `int`, got `bool`"),
        ({"body": {"max_length": 0}}, "/body/max_length", ">= 1"),
        ({"body": {"max_links": -1}}, "/body/max_links", ">= 0"),
        ({"body": {"min_length": 10, "max_length": 5}}, "/body/min_length", "must not exceed max_length (5)"),
        ({"body": {"max_links_action": "nuke"}}, "/body/max_links_action", "'nuke' is not one of: reject, hold, flag"),
        ({"body": {"caps": {"max_ratio": 1.5}}}, "/body/caps/max_ratio", "<= 1.0"),
        ({"body": {"link_domains": {"deny": "evil.com"}}}, "/body/link_domains/deny", "Expected an array"),
        ({"body": {"link_domains": {"deny": ["http://evil.com"]}}}, "/body/link_domains/deny/0", "no scheme"),
        (
            {"body": {"link_domains": {"allow": ["a.com"], "deny": ["b.com", "A.com"]}}},
            "/body/link_domains/deny/1",
            "A.com is in both allow and deny",
        ),
        ({"premoderation": {"mode": "sometimes"}}, "/premoderation/mode", "is not one of: off, new_commenters, all"),
        ({"premoderation": {"approved_comments_needed": 0}}, "/premoderation/approved_comments_needed", ">= 1"),
        ({"account": {"minimum_age_seconds": -5}}, "/account/minimum_age_seconds", ">= 0"),
        ({"profile": {"required_fields": ["shoe_size"]}}, "/profile/required_fields/0", "is not one of"),
        ({"profile": {"minimum_age": 200}}, "/profile/minimum_age", "<= 150"),
        ({"words": {"banned": ["f*ck"]}}, "/words/banned/0", "wildcards"),
        ({"words": {"banned": ["ok", "   "]}}, "/words/banned/1", "empty after normalisation"),
        ({"words": {"banned": [""]}}, "/words/banned/0", "length >= 1"),
        ({"words": {"suspect": [7]}}, "/words/suspect/0", "Expected `str`, got `int`"),
        ({"words": {"banned": ["idiot"], "suspect": ["x", "1D10T"]}}, "/words/suspect/1", "is also banned"),
        ({"words": {"banned": ["x" * 101]}}, "/words/banned/0", "length <= 100"),
        (
            {"words": {"banned": ["x" * 100] * 150, "suspect": ["y" * 100] * 51}},
            "/words",
            "hold 20,100 characters in all; at most 20,000",
        ),
        ({"rate_limits": {"per_minute": 0}}, "/rate_limits/per_minute", ">= 1"),
        ({"rate_limits": {"per_minute": 50}}, "/rate_limits/per_minute", "must not exceed per_hour (30)"),
        ({"rate_limits": {"per_hour": 500}}, "/rate_limits/per_hour", "must not exceed per_day (200)"),
        ({"duplicate": {"window_seconds": -1}}, "/duplicate/window_seconds", ">= 0"),
        ({"thread": {"auto_close_after_days": 0}}, "/thread/auto_close_after_days", ">= 1"),
        ({"toxicity": {"thresholds": {"toxicity": {"hold": 2}}}}, "/toxicity/thresholds/toxicity/hold", "<= 1.0"),
        ({"toxicity": {"thresholds": {"insult": {"reject": -0.1}}}}, "/toxicity/thresholds/insult/reject", ">= 0.0"),
        (
            {"toxicity": {"thresholds": {"toxicity": {"hold": 0.9, "reject": 0.5}}}},
            "/toxicity/thresholds/toxicity/hold",
            "must not exceed reject (0.5)",
        ),
        ({"toxicity": {"thresholds": {"Bad Label": {}}}}, "/toxicity/thresholds/Bad Label", "lower-case letters"),
        ({"toxicity": {"thresholds": {"a/b": {}}}}, "/toxicity/thresholds/a~1b", "lower-case letters"),
        ({"toxicity": {"thresholds": {"insult": None}}}, "/toxicity/thresholds/insult", "Expected an object"),
        ({"reports": {"hide_when_reported": "yes"}}, "/reports/hide_when_reported", "Expected `bool`"),
        ([], "", "Expected an object"),
    ],
)
def test_each_problem_has_a_pointer_and_a_message(document: Any, pointer: str, message: str) -> None:
    found = problems(document)
    assert pointer in found, found
    assert message in found[pointer]


def test_every_problem_is_listed_at_once() -> None:
    found = problems(
        {
            "bogus": True,
            "body": {"min_length": 10, "max_length": 5, "max_links": -1, "caps": {"max_ratio": 2}},
            "words": {"banned": ["f*ck", "   "]},
            "rate_limits": {"per_minute": 0},
            "toxicity": {"thresholds": {"toxicity": {"hold": 0.9, "reject": 0.5}, "insult": {"hold": "high"}}},
        }
    )
    assert set(found) == {
        "/bogus",
        "/body/min_length",
        "/body/max_links",
        "/body/caps/max_ratio",
        "/words/banned/0",
        "/words/banned/1",
        "/rate_limits/per_minute",
        "/toxicity/thresholds/toxicity/hold",
        "/toxicity/thresholds/insult/hold",
    }


def test_a_cross_field_check_is_skipped_when_one_of_its_fields_is_invalid() -> None:
    # max_length is wrong; "min_length must not exceed max_length (5000)", the default, would be noise.
    assert set(problems({"body": {"min_length": 6000, "max_length": "x"}})) == {"/body/max_length"}


def test_invalid_json_is_one_problem_at_the_root() -> None:
    found = problems(b"{not json")
    assert list(found) == [""]
    assert "not valid JSON" in found[""]


def test_unknown_toxicity_labels_are_allowed() -> None:
    rules = validate({"toxicity": {"thresholds": {"insult": {"hold": 0.4}, "model_v2_spam": {"reject": 0.99}}}})
    assert set(rules.toxicity.thresholds) == {"insult", "model_v2_spam"}


def test_the_error_is_readable() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        validate({"a": 1, "b": 2, "c": 3, "d": 4})
    assert str(caught.value).startswith("invalid rule set: /a: unknown field")
    assert str(caught.value).endswith("(and 1 more)")


# Overrides on their own ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        {},
        {"premoderation": {"mode": "all"}},
        {"body": {"max_links": 0, "link_domains": {"action": "hold"}}},
        {"toxicity": {"thresholds": {"toxicity": {"hold": 0.3}, "insult": None}}},
        {"thread": {"auto_close_after_days": 2}, "words": {"banned": ["idiot"]}},
        {"rate_limits": {"per_minute": None}},  # null removes the field: back to its default
        {"body": {"min_length": 10}},  # fine on its own; checked against the site's max_length when merged
    ],
)
def test_valid_overrides(override: dict[str, Any]) -> None:
    assert validate_override(override) == override
    assert validate_override(msgspec.json.encode(override)) == override


@pytest.mark.parametrize(
    ("override", "pointer"),
    [
        ({"premoderation": {"mode": "never"}}, "/premoderation/mode"),
        ({"body": {"max_lenght": 5}}, "/body/max_lenght"),
        ({"body": {"min_length": 10, "max_length": 5}}, "/body/min_length"),
        (
            {"toxicity": {"thresholds": {"toxicity": {"hold": 0.9, "reject": 0.5}}}},
            "/toxicity/thresholds/toxicity/hold",
        ),
        ({"words": {"banned": ["f*ck"]}}, "/words/banned/0"),
        ({"words": {"banned": [None]}}, "/words/banned/0"),
        ("[]", ""),
    ],
)
def test_invalid_overrides(override: Any, pointer: str) -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        validate_override(override)
    assert pointer in [error["pointer"] for error in caught.value.errors]
