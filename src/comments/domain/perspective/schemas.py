"""Perspective's Comment Analyzer v1alpha1 messages, field for field (camelCase on the wire).

Requests refuse unknown fields, as Google's JSON parser does ("Unknown name ... Cannot find field").
Answers leave out what is unset, as proto3 JSON does.
"""

from __future__ import annotations

from datetime import datetime

import msgspec


class _Message(msgspec.Struct, rename="camel", forbid_unknown_fields=True, omit_defaults=True):
    pass


class TextEntry(_Message):
    text: str | None = None
    type: str | None = None
    """TEXT_TYPE_UNSPECIFIED | PLAIN_TEXT | HTML"""


class ArticleAndParentComment(_Message):
    article: TextEntry | None = None
    parent_comment: TextEntry | None = None


class Context(_Message):
    entries: list[TextEntry] | None = None
    article_and_parent_comment: ArticleAndParentComment | None = None


class AttributeParameters(_Message):
    score_threshold: float | None = None
    score_type: str | None = None
    """SCORE_TYPE_UNSPECIFIED | PROBABILITY (the only ones we give) | STD_DEV_SCORE | PERCENTILE | RAW"""


class AnalyzeCommentRequest(_Message):
    comment: TextEntry | None = None
    context: Context | None = None
    requested_attributes: dict[str, AttributeParameters] | None = None
    languages: list[str] | None = None
    do_not_store: bool | None = None
    span_annotations: bool | None = None
    client_token: str | None = None
    community_id: str | None = None
    session_id: str | None = None
    drop_unsupported_attributes: bool | None = None


class Score(_Message):
    value: float | None = None
    type: str | None = None


class SpanScore(_Message):
    begin: int | None = None
    end: int | None = None
    score: Score | None = None


class AttributeScores(_Message):
    span_scores: list[SpanScore] | None = None
    summary_score: Score | None = None


class AnalyzeCommentResponse(_Message):
    attribute_scores: dict[str, AttributeScores] | None = None
    languages: list[str] | None = None
    detected_languages: list[str] | None = None
    """The language we scored in: the model's (see docs/perspective.md); we do not run a detector."""
    client_token: str | None = None


class SuggestCommentScoreRequest(_Message):
    comment: TextEntry | None = None
    context: Context | None = None
    attribute_scores: dict[str, AttributeScores] | None = None
    languages: list[str] | None = None
    community_id: str | None = None
    client_token: str | None = None
    session_id: str | None = None
    do_not_store: bool | None = None
    """Not in Google's message: false lets us keep the text for retraining, true keeps nothing about it.
    Unset (what Perspective clients send): only the text's SHA-256 is kept."""


class SuggestCommentScoreResponse(_Message):
    client_token: str | None = None
    detected_languages: list[str] | None = None
    requested_languages: list[str] | None = None


# ------------------------------------------------------------------ operator side (CLI, export)


class KeyInfo(msgspec.Struct):
    name: str
    qps: int
    created_at: datetime
    revoked_at: datetime | None
    analyze_requests: int
    suggest_requests: int
    limited_requests: int


class FeedbackRecord(msgspec.Struct, omit_defaults=True):
    """One line of `comments perspective feedback export` (JSONL): a labelled example for retraining."""

    key: str
    attribute: str
    label: str | None
    value: float
    """1 = the attribute applies (the moderator rejected), 0 = it does not."""
    created_at: datetime
    text: str | None = None
    text_sha256: str | None = None
    model_score: float | None = None
    model_id: str | None = None
    community_id: str | None = None
    client_token: str | None = None
