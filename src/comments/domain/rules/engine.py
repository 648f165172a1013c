"""The evaluation engine: a pure function of the rules, the comment, its author's history and the time.

`compile_rules()` turns a rule set into the form that evaluates fast (word patterns and domain sets built
once, cached per rule set); `evaluate()` lists the rule hits of a comment. Rate limits are a gate before
posting (ratelimit.py) and thread auto-close a property of the article (`thread_auto_closed`); neither
is a hit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from math import ceil
from typing import Any, Literal

import msgspec

from comments.domain.rules.links import DomainSet, Link, find_links
from comments.domain.rules.normalise import fold, normalise
from comments.domain.rules.schema import RuleSet
from comments.domain.rules.wording import duration
from comments.domain.rules.words import TermMatch, WordList

HIT_CODES = (
    "account.too_new",
    "premoderation.all",
    "premoderation.new_commenter",
    "thread.too_deep",
    "body.too_short",
    "body.too_long",
    "link.too_many",
    "link.domain_denied",
    "link.domain_not_allowed",
    "caps.shouting",
    "words.banned",
    "words.suspect",
    "duplicate",
)


@dataclass(frozen=True, slots=True)
class Draft:
    """The comment being posted or edited."""

    body: str  # trimmed
    depth: int  # 0 = top-level
    is_edit: bool = False


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    account_created_at: datetime
    approved_on_site: int  # comments by this author on the site that are/were published
    recent_on_site: tuple[datetime, ...]  # creation times of this author's comments on the site, last 24 h
    recent_on_article: tuple[datetime, ...]  # same, on this article, last 24 h
    recent_bodies: tuple[tuple[str, datetime], ...]  # (raw body, created_at) within the duplicate window


@dataclass(frozen=True, slots=True)
class ArticleContext:
    published_at: datetime | None  # article creation/publication
    first_comment_at: datetime | None


@dataclass(frozen=True, slots=True)
class Hit:
    code: str  # dotted machine code, one of HIT_CODES
    action: Literal["reject", "hold", "flag"]
    message: str  # for the reader; never names a banned or suspect word
    detail: dict[str, Any] = field(default_factory=dict)  # for moderators


_LINK_NOT_ALLOWED = "Your comment contains a link to a domain this site does not allow: {}."


class CompiledRules:
    """A rule set ready to evaluate: build it with `compile_rules()`."""

    __slots__ = ("_allow", "_deny", "_words", "rules")

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._words = WordList({"banned": rules.words.banned, "suspect": rules.words.suspect})
        self._allow = DomainSet(rules.body.link_domains.allow)
        self._deny = DomainSet(rules.body.link_domains.deny)

    def evaluate(self, draft: Draft, history: AuthorHistory, now: datetime) -> list[Hit]:
        """Every rule the comment hits. An edit skips the rules about posting (account age, reply depth,
        duplicates): it was accepted once; its new body is checked like a new one."""
        hits: list[Hit] = []
        if not draft.is_edit and self.rules.account.minimum_age_seconds:
            self._account(hits, history.account_created_at, now)
        if self.rules.premoderation.mode != "off":
            self._premoderation(hits, history.approved_on_site)
        if not draft.is_edit and draft.depth > self.rules.thread.max_depth:
            self._depth(hits, draft.depth)
        self._body(hits, draft.body)
        if not draft.is_edit and history.recent_bodies and self.rules.duplicate.window_seconds:
            self._duplicate(hits, draft.body, history.recent_bodies, now)
        return hits

    def check_body(self, body: str) -> list[Hit]:
        """The hits that depend on the body alone: length, links, capitals, words."""
        hits: list[Hit] = []
        self._body(hits, body)
        return hits

    def _body(self, hits: list[Hit], body: str) -> None:
        self._length(hits, body)
        folded = fold(body)
        if links := find_links(body, folded):
            self._links(hits, links)
        caps = self.rules.body.caps
        if caps.max_ratio is not None and len(body) >= caps.min_letters:
            self._caps(hits, body, caps.max_ratio)
        if self._words and (matches := self._words.find(body, folded)):
            self._word_hits(hits, matches)

    def _account(self, hits: list[Hit], created_at: datetime, now: datetime) -> None:
        account = self.rules.account
        age = (now - created_at).total_seconds()
        if age < account.minimum_age_seconds:
            wait = duration(ceil(account.minimum_age_seconds - age))
            message = f"Your account is too new to comment on this site. You can comment in {wait}."
            detail = {"account_age_seconds": int(age), "minimum_age_seconds": account.minimum_age_seconds}
            hits.append(Hit("account.too_new", account.action, message, detail))

    def _premoderation(self, hits: list[Hit], approved_on_site: int) -> None:
        premoderation = self.rules.premoderation
        if premoderation.mode == "all":
            message = "Comments here are checked by a moderator before they appear."
            hits.append(Hit("premoderation.all", "hold", message))
        elif approved_on_site < premoderation.approved_comments_needed:
            message = "Your first comments on this site are checked by a moderator before they appear."
            detail = {
                "approved_on_site": approved_on_site,
                "approved_comments_needed": premoderation.approved_comments_needed,
            }
            hits.append(Hit("premoderation.new_commenter", "hold", message, detail))

    def _depth(self, hits: list[Hit], depth: int) -> None:
        max_depth = self.rules.thread.max_depth
        message = (
            "Replies are not allowed here."
            if max_depth == 0
            else "Replies can't be nested this deep here; reply to an earlier comment in the thread instead."
        )
        hits.append(Hit("thread.too_deep", "reject", message, {"depth": depth, "max_depth": max_depth}))

    def _length(self, hits: list[Hit], body: str) -> None:
        limits, length = self.rules.body, len(body)
        if length < limits.min_length:
            message = f"Your comment is too short: write at least {limits.min_length} characters."
            hits.append(Hit("body.too_short", "reject", message, {"length": length, "min_length": limits.min_length}))
        elif length > limits.max_length:
            message = f"Your comment is too long: {length} characters, the limit is {limits.max_length}."
            hits.append(Hit("body.too_long", "reject", message, {"length": length, "max_length": limits.max_length}))

    def _links(self, hits: list[Hit], links: list[Link]) -> None:
        body = self.rules.body
        if body.max_links is not None and len(links) > body.max_links:
            message = (
                "Links are not allowed in comments here."
                if body.max_links == 0
                else f"Your comment contains {len(links)} links; comments here may contain at most {body.max_links}."
            )
            detail = {"count": len(links), "max_links": body.max_links, "links": [link.text for link in links]}
            hits.append(Hit("link.too_many", body.max_links_action, message, detail))
        denied = [link for link in links if link.key in self._deny]
        outside = [link for link in links if self._allow and link.key not in self._allow and link not in denied]
        for code, found in (("link.domain_denied", denied), ("link.domain_not_allowed", outside)):
            if found:
                hosts = list(dict.fromkeys(link.host for link in found))
                detail = {"domains": hosts, "links": [link.text for link in found]}
                message = _LINK_NOT_ALLOWED.format(", ".join(hosts))
                hits.append(Hit(code, body.link_domains.action, message, detail))

    def _caps(self, hits: list[Hit], body: str, max_ratio: float) -> None:
        caps = self.rules.body.caps
        upper, letters = _count_case(body)
        if letters >= caps.min_letters and upper > max_ratio * letters:
            detail = {"ratio": round(upper / letters, 2), "max_ratio": max_ratio, "letters": letters}
            hits.append(Hit("caps.shouting", caps.action, "Your comment is written mostly in capital letters.", detail))

    def _word_hits(self, hits: list[Hit], matches: list[TermMatch]) -> None:
        for kind, action, message in (
            ("banned", "reject", "Your comment contains language that is not allowed here."),
            ("suspect", "hold", "Your comment contains language a moderator needs to check."),
        ):
            if found := [_match_detail(m) for m in matches if m.kind == kind]:
                hits.append(Hit(f"words.{kind}", action, message, {"matches": found}))

    def _duplicate(self, hits: list[Hit], body: str, recent: tuple[tuple[str, datetime], ...], now: datetime) -> None:
        window = self.rules.duplicate.window_seconds
        since = now - timedelta(seconds=window)
        key = _duplicate_key(body)
        for previous, at in recent:
            if at >= since and _duplicate_key(previous) == key:
                message = "You already posted this comment a moment ago."
                detail = {"previous_at": at.isoformat(), "window_seconds": window}
                hits.append(Hit("duplicate", self.rules.duplicate.action, message, detail))
                return


@lru_cache(maxsize=1024)  # an author's recent bodies come back on each of their next posts
def _duplicate_key(body: str) -> str:
    # Bodies of punctuation alone ("!!!", "???") have an empty skeleton: compare them as written.
    return normalise(body) or body.strip()


_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()
_NOT_UPPER = bytes(b for b in range(128) if b not in _ASCII_UPPER)
_NOT_LETTER = bytes(b for b in range(128) if b not in _ASCII_LETTERS)


def _count_case(body: str) -> tuple[int, int]:
    """(capital letters, letters that have a case) in the body."""
    if body.isascii():  # bytes.translate deletes in C, several times faster than a loop over characters
        raw = body.encode("ascii")
        return len(raw.translate(None, _NOT_UPPER)), len(raw.translate(None, _NOT_LETTER))
    upper = sum(map(str.isupper, body))
    return upper, upper + sum(map(str.islower, body))


def _match_detail(match: TermMatch) -> dict[str, Any]:
    return {"term": match.term, "text": match.text, "start": match.start, "end": match.end}


def compile_rules(rules: RuleSet) -> CompiledRules:
    """The compiled form of a valid rule set, cached by content (equal rule sets share one). Compiling
    takes milliseconds, up to about a second for the longest word lists allowed."""
    return _compile(msgspec.json.encode(rules))


@lru_cache(maxsize=64)
def _compile(document: bytes) -> CompiledRules:
    return CompiledRules(msgspec.json.decode(document, type=RuleSet))


def evaluate(rules: RuleSet, draft: Draft, history: AuthorHistory, now: datetime) -> list[Hit]:
    """Every rule hit of a comment under `rules` (see CompiledRules.evaluate)."""
    return compile_rules(rules).evaluate(draft, history, now)


def thread_closes_at(rules: RuleSet, article: ArticleContext) -> datetime | None:
    """When the thread closes by itself: N days after the article's publication or its first comment,
    whichever came first; None when it never does."""
    days = rules.thread.auto_close_after_days
    starts = [t for t in (article.published_at, article.first_comment_at) if t is not None]
    if days is None or not starts:
        return None
    return min(starts) + timedelta(days=days)


def thread_auto_closed(rules: RuleSet, article: ArticleContext, now: datetime) -> bool:
    closes_at = thread_closes_at(rules, article)
    return closes_at is not None and now >= closes_at
