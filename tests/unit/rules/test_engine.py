"""evaluate(): each rule, its hit code, action and message; thread auto-close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comments.domain.rules import (
    HIT_CODES,
    ArticleContext,
    compile_rules,
    default_rules,
    thread_auto_closed,
    thread_closes_at,
)
from tests.unit.rules.helpers import NOW, codes, history, hits_of, rules

CALM = "I think the minister is right about the talks, but the deal needs work."


def test_a_civil_comment_hits_nothing_under_the_defaults() -> None:
    assert hits_of(default_rules(), CALM) == []


# Account age --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "age", "hit"),
    [
        (0, timedelta(seconds=1), False),
        (3600, timedelta(minutes=10), True),
        (3600, timedelta(hours=1), False),
        (86_400, timedelta(hours=23, minutes=59), True),
        (86_400, timedelta(days=2), False),
    ],
)
def test_account_age(minimum: int, age: timedelta, hit: bool) -> None:
    found = hits_of(rules(account={"minimum_age_seconds": minimum}), CALM, author=history(account_age=age))
    assert codes(found) == (["account.too_new"] if hit else [])


def test_account_too_new_says_when_and_uses_its_action() -> None:
    [hit] = hits_of(
        rules(account={"minimum_age_seconds": 3600, "action": "hold"}),
        CALM,
        author=history(account_age=timedelta(minutes=10)),
    )
    assert hit.action == "hold"
    assert hit.message == "Your account is too new to comment on this site. You can comment in 50 minutes."
    assert hit.detail == {"account_age_seconds": 600, "minimum_age_seconds": 3600}


# Pre-moderation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "needed", "approved", "code"),
    [
        ("off", 1, 0, None),
        ("all", 1, 100, "premoderation.all"),
        ("new_commenters", 1, 0, "premoderation.new_commenter"),
        ("new_commenters", 1, 1, None),
        ("new_commenters", 3, 2, "premoderation.new_commenter"),
        ("new_commenters", 3, 3, None),
    ],
)
def test_premoderation(mode: str, needed: int, approved: int, code: str | None) -> None:
    rule_set = rules(premoderation={"mode": mode, "approved_comments_needed": needed})
    found = hits_of(rule_set, CALM, author=history(approved=approved))
    assert codes(found) == ([code] if code else [])
    assert all(hit.action == "hold" for hit in found)


def test_premoderation_applies_to_edits_too() -> None:
    assert codes(hits_of(rules(premoderation={"mode": "all"}), CALM, is_edit=True)) == ["premoderation.all"]


# Reply depth ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_depth", "depth", "message"),
    [
        (5, 5, None),
        (5, 6, "Replies can't be nested this deep here; reply to an earlier comment in the thread instead."),
        (0, 0, None),
        (0, 1, "Replies are not allowed here."),
    ],
)
def test_reply_depth(max_depth: int, depth: int, message: str | None) -> None:
    found = hits_of(rules(thread={"max_depth": max_depth}), CALM, depth=depth)
    assert [(h.code, h.action, h.message) for h in found] == (
        [("thread.too_deep", "reject", message)] if message else []
    )


def test_an_edit_is_not_refused_for_its_depth() -> None:
    assert hits_of(rules(thread={"max_depth": 1}), CALM, depth=4, is_edit=True) == []


# Body length --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [("ok", "body.too_short"), ("okay", None), ("x" * 20, None), ("x" * 21, "body.too_long")],
)
def test_body_length(body: str, code: str | None) -> None:
    found = hits_of(rules(body={"min_length": 3, "max_length": 20, "caps": {"max_ratio": None}}), body)
    assert [(h.code, h.action) for h in found] == ([(code, "reject")] if code else [])


# Links ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body_rules", "body", "expected"),
    [
        ({"max_links": 1}, "see https://a.com", []),
        ({"max_links": 1}, "see https://a.com and b.org/x", [("link.too_many", "hold")]),
        ({"max_links": 0}, "see www.a.com", [("link.too_many", "hold")]),
        ({"max_links": None}, " ".join(f"https://s{i}.com" for i in range(50)), []),
        ({"max_links": 0, "max_links_action": "reject"}, "see a.com/x", [("link.too_many", "reject")]),
        ({"link_domains": {"deny": ["evil.com"]}}, "see https://news.evil.com/x", [("link.domain_denied", "reject")]),
        ({"link_domains": {"deny": ["evil.com"]}}, "see https://notevil.com/x", []),
        ({"link_domains": {"deny": ["evil.com"]}}, "see https://еvil.com", [("link.domain_denied", "reject")]),
        ({"link_domains": {"allow": ["bbc.co.uk"]}}, "see https://www.bbc.co.uk/news", []),
        (
            {"link_domains": {"allow": ["bbc.co.uk"], "action": "hold"}},
            "see https://bbc.co.uk and https://evil.com",
            [("link.domain_not_allowed", "hold")],
        ),
        ({"link_domains": {"allow": []}}, "see https://anything.example.com", []),  # empty allow list: all allowed
    ],
)
def test_links(body_rules: dict[str, Any], body: str, expected: list[tuple[str, str]]) -> None:
    found = hits_of(rules(body=body_rules), body)
    assert [(h.code, h.action) for h in found] == expected


def test_a_denied_link_names_the_domain_as_written() -> None:
    [hit] = hits_of(rules(body={"link_domains": {"deny": ["example.com"]}}), "go to HTTPS://Example.com/page now")
    assert hit.message == "Your comment contains a link to a domain this site does not allow: example.com."
    assert hit.detail == {"domains": ["example.com"], "links": ["HTTPS://Example.com/page"]}


def test_too_many_links_says_how_many() -> None:
    [hit] = hits_of(rules(body={"max_links": 1}), "https://a.com https://b.com https://c.com")
    assert hit.message == "Your comment contains 3 links; comments here may contain at most 1."


# Capitals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "shouting"),
    [
        ("OK", False),  # too few letters to shout
        ("NATO AND THE EU AGREE", True),
        ("NATO and the EU agree on a new deal for the winter", False),
        ("THIS IS AN OUTRAGE AND EVERYONE KNOWS IT", True),
        ("THIS IS AN OUTRAGE!!! 1234567890 1234567890", False),  # digits are not letters: only 15 letters
        ("ЭТО ВОЗМУТИТЕЛЬНО И ВСЕ ЭТО ЗНАЮТ", True),
        ("这是一个很长的中文评论没有大写字母所以不能算是喊叫的评论", False),
    ],
)
def test_caps(body: str, shouting: bool) -> None:
    found = hits_of(rules(body={"caps": {"max_ratio": 0.7, "min_letters": 16}}), body)
    assert [(h.code, h.action) for h in found] == ([("caps.shouting", "flag")] if shouting else [])


@pytest.mark.parametrize(("body", "shouting"), [("ABCDEFGHIJklmnopqrst", False), ("ABCDEFGHIJKlmnopqrst", True)])
def test_caps_ratio_is_a_maximum(body: str, shouting: bool) -> None:
    found = hits_of(rules(body={"caps": {"max_ratio": 0.5, "min_letters": 20}}), body)
    assert codes(found) == (["caps.shouting"] if shouting else [])


def test_caps_can_be_turned_off() -> None:
    assert hits_of(rules(body={"caps": {"max_ratio": None}}), "THIS IS AN OUTRAGE AND EVERYONE KNOWS IT") == []


# Words ------------------------------------------------------------------------------------------------------

WORDS = {"banned": ["idiot", "go back to"], "suspect": ["moron", "clown"]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (CALM, []),
        ("you 1d10t", [("words.banned", "reject")]),
        ("you m0r0n", [("words.suspect", "hold")]),
        ("i d i o t and c l o w n", [("words.banned", "reject"), ("words.suspect", "hold")]),
        ("go back to where you came from", [("words.banned", "reject")]),
        ("idiotic clowning", []),
    ],
)
def test_words(body: str, expected: list[tuple[str, str]]) -> None:
    assert [(h.code, h.action) for h in hits_of(rules(words=WORDS), body)] == expected


def test_a_word_hit_never_tells_the_reader_the_word_but_tells_the_moderator() -> None:
    found = hits_of(rules(words=WORDS), "What a m0r0n. IDIOT.")
    assert {h.code: h.message for h in found} == {
        "words.banned": "Your comment contains language that is not allowed here.",
        "words.suspect": "Your comment contains language a moderator needs to check.",
    }
    assert found[0].detail == {"matches": [{"term": "idiot", "text": "IDIOT", "start": 14, "end": 19}]}
    assert found[1].detail == {"matches": [{"term": "moron", "text": "m0r0n", "start": 7, "end": 12}]}


@given(st.sampled_from(["idiot", "go back to", "moron", "clown"]), st.text(max_size=60))
def test_no_message_names_a_listed_word(term: str, noise: str) -> None:
    everything = rules(
        words=WORDS,
        body={"max_links": 0, "link_domains": {"deny": ["evil.com"]}},
        premoderation={"mode": "all"},
    )
    for hit in hits_of(everything, f"{noise} {term} https://evil.com {noise}"):
        for listed in ("idiot", "go back", "moron", "clown"):
            assert listed not in hit.message.lower()


# Duplicates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "ago", "duplicate"),
    [
        ("Great article!", timedelta(minutes=2), True),
        ("GREAT   artiiicle", timedelta(minutes=2), True),
        ("Great article!", timedelta(minutes=11), False),  # outside the 10-minute window
        ("Great article, thanks", timedelta(minutes=2), False),
        ("!!!", timedelta(minutes=2), False),  # punctuation alone is compared as written
    ],
)
def test_duplicates(previous: str, ago: timedelta, duplicate: bool) -> None:
    found = hits_of(default_rules(), "Great article!", author=history(bodies=((previous, ago),)))
    assert [(h.code, h.action) for h in found] == ([("duplicate", "reject")] if duplicate else [])


def test_duplicates_can_be_turned_off_and_edits_are_not_duplicates() -> None:
    author = history(bodies=(("Great article!", timedelta(minutes=1)),))
    assert hits_of(rules(duplicate={"window_seconds": 0}), "Great article!", author=author) == []
    assert hits_of(default_rules(), "Great article!", author=author, is_edit=True) == []


def test_a_duplicate_of_punctuation_alone_is_still_a_duplicate() -> None:
    author = history(bodies=(("???", timedelta(minutes=1)),))
    assert codes(hits_of(rules(body={"min_length": 1}), "???", author=author)) == ["duplicate"]


# All together --------------------------------------------------------------------------------------------------


def test_every_hit_has_a_known_code_a_valid_action_and_a_sentence() -> None:
    strict = rules(
        account={"minimum_age_seconds": 86_400},
        premoderation={"mode": "new_commenters"},
        body={"max_length": 60, "max_links": 0, "link_domains": {"deny": ["evil.com"]}, "caps": {"min_letters": 5}},
        words=WORDS,
        thread={"max_depth": 1},
    )
    found = hits_of(
        strict,
        "IDIOT MORON GO TO HTTPS://EVIL.COM NOW AND READ IT ALL",
        depth=3,
        author=history(account_age=timedelta(hours=1), approved=0, bodies=(("idiot moron", timedelta(minutes=1)),)),
    )
    assert codes(found) == [
        "account.too_new",
        "premoderation.new_commenter",
        "thread.too_deep",
        "link.too_many",
        "link.domain_denied",
        "caps.shouting",
        "words.banned",
        "words.suspect",
    ]
    for hit in found:
        assert hit.code in HIT_CODES
        assert hit.action in ("reject", "hold", "flag")
        assert hit.message[0].isupper()
        assert hit.message.endswith(".")


def test_compiled_rules_are_cached_by_content() -> None:
    assert compile_rules(rules(words=WORDS)) is compile_rules(rules(words=WORDS))
    assert compile_rules(rules(words=WORDS)) is not compile_rules(rules(words={"banned": ["other"]}))


# Thread auto-close ------------------------------------------------------------------------------------------------

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("days", "published", "first_comment", "closed"),
    [
        (None, 10 * DAY, 10 * DAY, False),
        (2, None, None, False),
        (2, DAY, None, False),
        (2, 2 * DAY, None, True),
        (2, None, 3 * DAY, True),
        (2, DAY, 3 * DAY, True),  # whichever came first
        (2, 3 * DAY, DAY, True),
        (2, DAY, DAY / 2, False),
    ],
)
def test_thread_auto_close(
    days: int | None, published: timedelta | None, first_comment: timedelta | None, closed: bool
) -> None:
    article = ArticleContext(
        published_at=NOW - published if published is not None else None,
        first_comment_at=NOW - first_comment if first_comment is not None else None,
    )
    rule_set = rules(thread={"auto_close_after_days": days})
    assert thread_auto_closed(rule_set, article, NOW) is closed


def test_thread_closes_at() -> None:
    article = ArticleContext(published_at=NOW, first_comment_at=NOW + DAY)
    assert thread_closes_at(rules(thread={"auto_close_after_days": 2}), article) == NOW + 2 * DAY
    assert thread_closes_at(default_rules(), article) is None
