"""The rule set document: what a site admin configures (and an article may override).

Stored as JSON on the site (and as a partial override on an article). Decoded with msgspec, which refuses
unknown fields, wrong types and values out of range; `validate()` (validation.py) lists every problem at
once and adds the checks that span several fields. The defaults are a calm site that works out of the box.
Every field is described, with its default and action, in docs/rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

import msgspec

from comments.domain.rules.links import domain_problem
from comments.domain.rules.words import term_problem

Action = Literal["reject", "hold", "flag"]
"""reject: not published; hold: waits for a moderator; flag: published and listed for moderators."""
PremoderationMode = Literal["off", "new_commenters", "all"]
ProfileField = Literal[
    "display_name", "full_name", "country", "birth_year", "accepted_rules_version", "bio", "email_verified"
]
"""`email_verified` is not a field the reader types: it is met once they followed the verification link."""

WORD_LISTS_MAX_CHARACTERS: Final = 20_000
"""Banned and suspect entries together compile into one pattern, once per rule set (about 1 s at this size)."""

# Toxicity thresholds per label out of the box: the bundled model v9's policy
# (`bundled-minilm-l6-v9`), chosen on its validation split
# (docs/toxicity.md#the-policy). obscene never holds: profanity alone is published.
DEFAULT_TOXICITY_THRESHOLDS: Final = {
    "toxicity": {"hold": 0.49, "reject": None},
    "severe_toxicity": {"hold": 0.5, "reject": None},
    "obscene": {"hold": None, "reject": None},
    "threat": {"hold": 0.07, "reject": None},
    "insult": {"hold": 0.66, "reject": None},
    "identity_attack": {"hold": 0.34, "reject": None},
}


@dataclass(frozen=True, slots=True)
class Check:
    """A check of a value beyond its type, run by `validate()`: returns the problem, or None."""

    problem: Callable[[Any], str | None]


_LABEL = re.compile(r"[a-z][a-z0-9_]*")


def _label_problem(label: str) -> str | None:
    if _LABEL.fullmatch(label):
        return None
    return "a label is lower-case letters, digits and underscores, like toxicity or identity_attack"


NonNegative = Annotated[int, msgspec.Meta(ge=0)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Term = Annotated[str, msgspec.Meta(min_length=1, max_length=100), Check(term_problem)]
Domain = Annotated[str, msgspec.Meta(min_length=1, max_length=253), Check(domain_problem)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=64), Check(_label_problem)]
TermList = Annotated[list[Term], msgspec.Meta(max_length=5000)]
DomainList = Annotated[list[Domain], msgspec.Meta(max_length=5000)]


class Profile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    required_fields: list[ProfileField] = msgspec.field(
        default_factory=lambda: ["display_name", "full_name", "country", "birth_year", "accepted_rules_version"]
    )
    minimum_age: Annotated[int, msgspec.Meta(ge=0, le=150)] | None = 16


class Guidelines(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    version: Positive = 1
    text: Annotated[str, msgspec.Meta(max_length=20_000)] = (
        "Be civil. Criticise ideas, not people. No insults, threats, hate speech, spam or personal "
        "information. Comments that break these rules are held for review or removed."
    )


class Account(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    minimum_age_seconds: NonNegative = 0
    """How old an account must be before its comments are accepted (0 = any)."""
    action: Action = "reject"
    deleted_account_comments: Literal["keep", "remove"] = "keep"
    """When a reader deletes their account: keep their comments under "deleted account" (threads keep
    their sense) or remove them."""


class Premoderation(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    mode: PremoderationMode = "off"
    approved_comments_needed: Positive = 1
    """`new_commenters`: a user's comments are held until this many of theirs were published on the site."""


class LinkDomains(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    allow: DomainList = msgspec.field(default_factory=list)
    """When not empty, links may only point to these domains (and their subdomains)."""
    deny: DomainList = msgspec.field(default_factory=list)
    """Links may not point to these domains (and their subdomains)."""
    action: Action = "reject"


class Caps(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    max_ratio: Fraction | None = 0.7
    """Share of capital letters among letters above which a comment counts as shouting (None = off)."""
    min_letters: Positive = 20
    """Shorter comments are never shouting ("OK", "NATO")."""
    action: Action = "flag"


class Body(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    min_length: Positive = 1
    max_length: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 5000
    max_links: NonNegative | None = 3
    """None = any number."""
    max_links_action: Action = "hold"
    link_domains: LinkDomains = msgspec.field(default_factory=LinkDomains)
    caps: Caps = msgspec.field(default_factory=Caps)


class Words(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    banned: TermList = msgspec.field(default_factory=list)
    """Words and phrases that reject a comment."""
    suspect: TermList = msgspec.field(default_factory=list)
    """Words and phrases that hold a comment for a moderator."""


class RateLimits(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Comments a user may post; None = no limit."""

    per_minute: Positive | None = 5
    per_hour: Positive | None = 30
    per_day: Positive | None = 200
    per_article_per_hour: Positive | None = 10


class Duplicate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    window_seconds: NonNegative = 600
    """The same body (normalised) by the same user within this window is a duplicate (0 = off)."""
    action: Action = "reject"


class Thread(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    max_depth: NonNegative = 5
    """Replies may nest this deep (0 = no replies)."""
    edit_window_seconds: NonNegative = 300
    auto_close_after_days: Positive | None = None
    """Close the thread this many days after the article's publication or first comment (None = never)."""


class Threshold(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An admin's override of a label's levels: a level left out (UNSET) takes the default; null is off."""

    hold: Fraction | msgspec.UnsetType | None = msgspec.UNSET
    reject: Fraction | msgspec.UnsetType | None = msgspec.UNSET


class Levels(msgspec.Struct, frozen=True, kw_only=True):
    """A label's thresholds in force: the default merged with the rule set's override (None: off)."""

    hold: float | None = None
    reject: float | None = None


class Toxicity(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    thresholds: dict[Label, Threshold] = msgspec.field(default_factory=dict)
    """Per label: a score at or above `hold` holds the comment, at or above `reject` rejects it. Holds only
    what differs from DEFAULT_TOXICITY_THRESHOLDS (see effective_thresholds), so that a new model's defaults
    reach every rule set that did not change them. Labels the model does not produce are ignored."""


def effective_thresholds(toxicity: Toxicity) -> dict[str, Levels]:
    """The thresholds in force: the defaults, each level replaced where the rule set overrides it."""
    labels = dict.fromkeys([*DEFAULT_TOXICITY_THRESHOLDS, *toxicity.thresholds])
    effective = {}
    for label in labels:
        default = DEFAULT_TOXICITY_THRESHOLDS.get(label, {})
        override = toxicity.thresholds.get(label, Threshold())
        effective[label] = Levels(
            hold=default.get("hold") if override.hold is msgspec.UNSET else override.hold,
            reject=default.get("reject") if override.reject is msgspec.UNSET else override.reject,
        )
    return effective


def overrides_only(toxicity: Toxicity) -> Toxicity:
    """The same thresholds without the levels equal to the defaults (and labels left with no level): what
    a rule set stores. A level sent equal to the current default is not kept as an override."""
    kept = {}
    for label, override in toxicity.thresholds.items():
        default = DEFAULT_TOXICITY_THRESHOLDS.get(label, {})
        levels = {}
        for level in ("hold", "reject"):
            value = getattr(override, level)
            if value is not msgspec.UNSET and value != default.get(level):
                levels[level] = value
        if levels:
            kept[label] = Threshold(**levels)
    return Toxicity(thresholds=kept)


class Reports(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    threshold: Positive = 3
    """Reader reports that put a published comment back in the moderation queue."""
    hide_when_reported: bool = False
    """Hide it from readers while it waits there."""


class RuleSet(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    profile: Profile = msgspec.field(default_factory=Profile)
    guidelines: Guidelines = msgspec.field(default_factory=Guidelines)
    account: Account = msgspec.field(default_factory=Account)
    premoderation: Premoderation = msgspec.field(default_factory=Premoderation)
    body: Body = msgspec.field(default_factory=Body)
    words: Words = msgspec.field(default_factory=Words)
    rate_limits: RateLimits = msgspec.field(default_factory=RateLimits)
    duplicate: Duplicate = msgspec.field(default_factory=Duplicate)
    thread: Thread = msgspec.field(default_factory=Thread)
    toxicity: Toxicity = msgspec.field(default_factory=Toxicity)
    reports: Reports = msgspec.field(default_factory=Reports)


def default_rules() -> RuleSet:
    return RuleSet()
