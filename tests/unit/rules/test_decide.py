"""decide(): hits and toxicity scores -> published, held or rejected, with every reason."""

from __future__ import annotations

from typing import Any

import pytest

from comments.domain.rules import Hit, decide, default_rules, effective_thresholds
from tests.unit.rules.helpers import rules

FLAG = Hit("caps.shouting", "flag", "Your comment is written mostly in capital letters.")
HOLD = Hit("words.suspect", "hold", "Your comment contains language a moderator needs to check.")
REJECT = Hit(
    "link.domain_denied", "reject", "Your comment contains a link to a domain this site does not allow: x.com."
)

THRESHOLDS = rules(toxicity={"thresholds": {"toxicity": {"hold": 0.5, "reject": 0.8}, "insult": {"hold": 0.6}}})


@pytest.mark.parametrize(
    ("hits", "scores", "status", "flagged", "reason_codes"),
    [
        ([], {"toxicity": 0.1}, "published", False, []),
        ([FLAG], {"toxicity": 0.1}, "published", True, ["caps.shouting"]),
        ([HOLD], {"toxicity": 0.1}, "held", False, ["words.suspect"]),
        ([FLAG, HOLD], {"toxicity": 0.1}, "held", False, ["caps.shouting", "words.suspect"]),
        ([HOLD, REJECT], {"toxicity": 0.1}, "rejected", False, ["words.suspect", "link.domain_denied"]),
        ([], {"toxicity": 0.49999}, "published", False, []),
        ([], {"toxicity": 0.5}, "held", False, ["toxicity"]),  # at the threshold counts
        ([], {"toxicity": 0.8}, "rejected", False, ["toxicity"]),  # one reason per label: the highest crossed
        ([], {"toxicity": 0.2, "insult": 0.7}, "held", False, ["toxicity"]),
        ([], {"toxicity": 0.6, "insult": 0.7}, "held", False, ["toxicity", "toxicity"]),
        ([FLAG], {"toxicity": 0.9, "insult": 0.7}, "rejected", False, ["caps.shouting", "toxicity", "toxicity"]),
        ([], {"obscene": 0.99}, "published", False, []),  # a label whose thresholds are off is ignored
        ([], {"spam_v2": 0.99}, "published", False, []),  # and one neither the rules nor the defaults name
        ([], {"threat": 0.31}, "held", False, ["toxicity"]),  # a label the rule set leaves out: its default
        ([], {}, "published", False, []),  # a model without the configured labels
        ([], None, "held", False, ["classifier_unavailable"]),  # never publish unscored
        ([FLAG], None, "held", False, ["caps.shouting", "classifier_unavailable"]),
        ([REJECT], None, "rejected", False, ["link.domain_denied"]),  # rejected anyway: scoring was moot
        ([], {"toxicity": float("nan")}, "held", False, ["classifier_unavailable"]),
    ],
)
def test_decide(
    hits: list[Hit], scores: dict[str, float] | None, status: str, flagged: bool, reason_codes: list[str]
) -> None:
    decision = decide(THRESHOLDS, hits, scores)
    assert decision.status == status
    assert decision.flagged is flagged
    assert [reason.code for reason in decision.reasons] == reason_codes


@pytest.mark.parametrize(
    ("scores", "detail"),
    [
        (
            {"toxicity": 0.93},
            {"label": "toxicity", "score": 0.93, "threshold": 0.8, "summary": "toxicity:0.93>=0.80"},
        ),
        ({"toxicity": 0.5}, {"label": "toxicity", "score": 0.5, "threshold": 0.5, "summary": "toxicity:0.50>=0.50"}),
        ({"insult": 0.61}, {"label": "insult", "score": 0.61, "threshold": 0.6, "summary": "insult:0.61>=0.60"}),
    ],
)
def test_a_toxicity_reason_carries_its_summary(scores: dict[str, float], detail: dict[str, Any]) -> None:
    [reason] = decide(THRESHOLDS, [], scores).reasons
    assert reason.detail == detail
    assert reason.action == ("reject" if detail["threshold"] == 0.8 else "hold")


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("toxicity", "Our automatic check found that your comment may be rude or disrespectful."),
        ("insult", "Our automatic check found that your comment may be insulting."),
        ("threat", "Our automatic check found that your comment may contain a threat."),
        ("model_v2_spam", "Our automatic check found that your comment may break the community guidelines."),
    ],
)
def test_toxicity_messages_are_plain_sentences(label: str, message: str) -> None:
    rule_set = rules(toxicity={"thresholds": {label: {"hold": 0.5}}})
    [reason] = decide(rule_set, [], {label: 0.9}).reasons
    assert reason.message == message


def test_hit_reasons_keep_the_hit() -> None:
    hit = Hit("words.banned", "reject", "Your comment contains language that is not allowed here.", {"matches": []})
    [reason] = decide(default_rules(), [hit], {"toxicity": 0.0}).reasons
    assert (reason.code, reason.action, reason.message, reason.detail) == (
        hit.code,
        hit.action,
        hit.message,
        hit.detail,
    )


def test_the_default_thresholds_hold_at_the_bundled_models_threshold() -> None:
    import json
    from importlib.resources import files

    metadata = json.loads(files("comments.domain.toxicity").joinpath("bundled/metadata.json").read_text())
    hold = metadata["thresholds"]["toxicity"]["hold"]  # chosen on validation by the training script
    assert default_rules().toxicity.thresholds == {}  # a rule set stores only what differs from the defaults
    assert effective_thresholds(default_rules().toxicity)["toxicity"].hold == hold
    assert decide(default_rules(), [], {"toxicity": hold - 0.01}).status == "published"
    assert decide(default_rules(), [], {"toxicity": hold}).status == "held"
    assert decide(default_rules(), [], {"toxicity": 1.0}).status == "held"  # no reject threshold by default


def test_classifier_unavailable_explains_itself() -> None:
    [reason] = decide(default_rules(), [], None).reasons
    assert reason.action == "hold"
    assert reason.message == (
        "A moderator will check your comment because our automatic check is not available right now."
    )
