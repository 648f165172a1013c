"""Request and response bodies of the rules admin API (the rule set document itself is schema.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from comments.domain.rules.backtest import BacktestReport

Document = dict[str, Any]


class SiteRules(msgspec.Struct):
    site: str
    version: int
    """Bumped on every change; send it back in If-Match to refuse a lost update."""
    rules: Document
    """The whole rule set, defaults included: toxicity thresholds as in force (the site stores only the
    levels it changed, so a new model's defaults reach the others)."""
    defaults: Document
    """The rule set out of the box, in the same form: compare with `rules` to see what the site changed."""
    updated_at: datetime


class ArticleRules(msgspec.Struct):
    site: str
    article: str
    override: Document | None
    """The article's JSON merge patch over the site's rules (null: none)."""
    effective: Document
    """The site's rules with the override applied: what new comments on this article meet."""


class HistoryEntry(msgspec.Struct):
    id: UUID
    at: datetime
    action: str
    """rules.changed | article_rules.changed | article_rules.removed"""
    actor: str | None
    article: str | None
    version: int | None
    before: Document | None
    after: Document | None


class History(msgspec.Struct):
    items: list[HistoryEntry]
    next_cursor: str | None


class DryRunAuthor(msgspec.Struct, forbid_unknown_fields=True):
    """Who posts, for rules that depend on the author. Default: a brand-new account."""

    user_id: UUID | None = None
    """Use this reader's real history on the site."""
    account_age_seconds: Annotated[int, msgspec.Meta(ge=0)] = 0
    approved_on_site: Annotated[int, msgspec.Meta(ge=0)] = 0


class DryRun(msgspec.Struct, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(max_length=50_000)]
    rules: Document | None = None
    """A proposed rule set; default: the site's current one (or the article's effective one)."""
    author: DryRunAuthor | None = None
    article: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    parent_depth: Annotated[int, msgspec.Meta(ge=-1, le=100)] = -1
    """Depth of the comment replied to; -1 for a top-level comment."""


class DryRunHit(msgspec.Struct):
    code: str
    action: str
    message: str
    detail: dict[str, Any]


class DryRunResult(msgspec.Struct):
    decision: str
    """published | held | rejected, or refused when a gate would stop it before it is stored."""
    flagged: bool
    reasons: list[DryRunHit]
    hits: list[DryRunHit]
    scores: dict[str, float] | None
    model: str | None
    refused: dict[str, Any] | None
    """The gate's problem (status, type, detail) when the comment would be refused outright."""


class Backtest(msgspec.Struct, forbid_unknown_fields=True):
    rules: Document
    since: datetime | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10_000


class BacktestResult(msgspec.Struct):
    site: str
    since: datetime | None
    replayed: int
    seconds: float
    report: BacktestReport
