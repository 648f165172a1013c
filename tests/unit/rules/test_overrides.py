"""Effective rules: the site's rule set with an article's override applied (RFC 7396)."""

from __future__ import annotations

from typing import Any

import pytest

from comments.domain.rules import RuleSetInvalid, default_rules, effective_rules, merge_patch
from tests.unit.rules.helpers import rules


# RFC 7396, Appendix A.
@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_rfc_7396(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_merge_patch_leaves_its_inputs_alone() -> None:
    target, patch = {"a": {"b": 1}}, {"a": {"b": None, "c": 2}}
    merge_patch(target, patch)
    assert target == {"a": {"b": 1}}
    assert patch == {"a": {"b": None, "c": 2}}


def test_no_override_gives_the_site_rules() -> None:
    site = rules(body={"max_links": 1})
    assert effective_rules(site, None) is site
    assert effective_rules(site, {}) is site


def test_a_heated_story_tightens_the_site_rules() -> None:
    site = rules(words={"banned": ["idiot"]}, toxicity={"thresholds": {"toxicity": {"hold": 0.6}, "insult": {}}})
    effective = effective_rules(
        site,
        {
            "premoderation": {"mode": "new_commenters"},
            "body": {"max_links": 0},
            "words": {"banned": ["idiot", "traitor"]},
            "toxicity": {"thresholds": {"toxicity": {"hold": 0.3}, "insult": None}},
            "thread": {"auto_close_after_days": 2},
        },
    )
    assert effective.premoderation.mode == "new_commenters"
    assert effective.body.max_links == 0
    assert effective.body.max_length == site.body.max_length  # untouched fields keep the site's value
    assert effective.words.banned == ["idiot", "traitor"]  # lists replace
    assert set(effective.toxicity.thresholds) == {"toxicity"}  # null removed the site's insult override
    assert effective.toxicity.thresholds["toxicity"].hold == 0.3
    assert effective.thread.auto_close_after_days == 2
    assert site.body.max_links == 3  # the site's rules are not changed


def test_null_resets_a_field_to_its_default_not_to_off() -> None:
    site = rules(rate_limits={"per_minute": 2})
    assert effective_rules(site, {"rate_limits": {"per_minute": None}}).rate_limits.per_minute == 5


def test_an_override_that_breaks_the_merged_rules_is_refused_with_pointers() -> None:
    site = rules(body={"max_length": 500})
    with pytest.raises(RuleSetInvalid) as caught:
        effective_rules(site, {"body": {"min_length": 600}})
    assert caught.value.errors == [{"pointer": "/body/min_length", "message": "must not exceed max_length (500)"}]


def test_an_invalid_override_is_refused_before_merging() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        effective_rules(default_rules(), {"premoderation": {"mode": "never"}, "bogus": 1})
    assert {e["pointer"] for e in caught.value.errors} == {"/premoderation/mode", "/bogus"}


def test_null_for_a_threshold_level_gives_the_default_not_the_sites_value() -> None:
    from comments.domain.rules import DEFAULT_TOXICITY_THRESHOLDS, effective_thresholds

    site = rules(toxicity={"thresholds": {"insult": {"hold": 0.4}, "threat": {"hold": None}}})
    effective = effective_rules(site, {"toxicity": {"thresholds": {"insult": {"hold": None}}}})
    levels = effective_thresholds(effective.toxicity)
    assert levels["insult"].hold == DEFAULT_TOXICITY_THRESHOLDS["insult"]["hold"]
    assert levels["threat"].hold is None  # the site's "off" stays
