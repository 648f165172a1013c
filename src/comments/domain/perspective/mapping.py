"""Pure Perspective <-> model mapping: attribute names to model labels, request checks, answers and Google's
error shape. No I/O: the service calls these with the loaded model's labels and its scores."""

from __future__ import annotations

import html.parser
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from comments.domain.perspective import schemas as s

ATTRIBUTE_LABELS: Mapping[str, str] = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "INSULT": "insult",
    "THREAT": "threat",
    "IDENTITY_ATTACK": "identity_attack",
    "PROFANITY": "obscene",
}
"""Perspective's production attributes and the Detoxify labels that score them."""
LABEL_ATTRIBUTES: Mapping[str, str] = {label: name for name, label in ATTRIBUTE_LABELS.items()}

DECISION_ATTRIBUTES: Mapping[str, float] = {"APPROVED": 0.0, "DELETED": 1.0, "REJECTED": 1.0}
"""Coral's suggestscore names the moderator's decision as the attribute (`{"DELETED": {"summaryScore":
{"value": 1}}}`): read as a TOXICITY score of 0 (approved) or 1 (deleted)."""

MAX_TEXT_BYTES = 20_480
"""Perspective's limit on comment.text (UTF-8 bytes)."""
ENGLISH = ("en",)
MULTILINGUAL = ("en", "fr", "es", "it", "pt", "tr", "ru")
"""Detoxify's multilingual model's languages; every other model (the bundled one too) reads English only."""
PROBABILITY = "PROBABILITY"
SCORE_TYPES = {None, "", "SCORE_TYPE_UNSPECIFIED", PROBABILITY}

ERROR_DETAIL = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
SERVICE = "commentanalyzer.googleapis.com"

Span = tuple[int, int, float]
"""(begin, end, score) in Python string offsets."""
Explainer = Callable[[str], Sequence[Span]]


# ------------------------------------------------------------------ errors in Google's shape


class PerspectiveError(Exception):
    """An answer in Google's error shape: `{"error": {"code", "message", "status", "details"}}`."""

    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        details: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.details = list(details)
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(message: str, error_type: str, **extra: Any) -> PerspectiveError:
    """A 400 about the comment or the attributes, with Perspective's `errorType` in its details."""
    return PerspectiveError(
        400, "INVALID_ARGUMENT", message, [{"@type": ERROR_DETAIL, "errorType": error_type, **extra}]
    )


def bad_request(message: str, field_name: str | None = None) -> PerspectiveError:
    """A 400 about the request's form (bad JSON, wrong types): Google's BadRequest field violations."""
    violation = {"description": message} | ({"field": field_name} if field_name else {})
    return PerspectiveError(400, "INVALID_ARGUMENT", message, [{"@type": BAD_REQUEST, "fieldViolations": [violation]}])


def key_missing() -> PerspectiveError:
    """Google's answer to a request without a key (it carries no details)."""
    return PerspectiveError(403, "PERMISSION_DENIED", "The request is missing a valid API key.")


def key_invalid() -> PerspectiveError:
    """Google's answer to an unknown, deleted (here: revoked) or malformed key."""
    return PerspectiveError(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [{"@type": ERROR_INFO, "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": _service()}],
    )


def rate_limited(key_name: str, qps: int) -> PerspectiveError:
    return PerspectiveError(
        429,
        "RESOURCE_EXHAUSTED",
        f"Quota exceeded for quota metric 'Requests' and limit 'Requests per second' of service '{SERVICE}' "
        f"for API key '{key_name}' ({qps} per second).",
        [
            {
                "@type": ERROR_INFO,
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {**_service(), "quota_limit_value": str(qps)},
            },
            {"@type": RETRY_INFO, "retryDelay": "1s"},
        ],
        headers={"Retry-After": "1"},
    )


def unavailable(message: str = "The service is currently unavailable.") -> PerspectiveError:
    return PerspectiveError(503, "UNAVAILABLE", message)


def not_found(message: str = "Method not found.") -> PerspectiveError:
    return PerspectiveError(404, "NOT_FOUND", message)


def internal() -> PerspectiveError:
    return PerspectiveError(500, "INTERNAL", "Internal error encountered.")


def _service() -> dict[str, str]:
    return {"service": SERVICE}


# ------------------------------------------------------------------ attributes and languages


def available_attributes(labels: Iterable[str]) -> dict[str, str]:
    """The Perspective attributes the loaded model can score, with their labels (decided at run time)."""
    have = set(labels)
    return {name: label for name, label in ATTRIBUTE_LABELS.items() if label in have}


def model_languages(model_id: str | None) -> tuple[str, ...]:
    return MULTILINGUAL if model_id and "multilingual" in model_id else ENGLISH


def primary_language(code: str) -> str:
    """BCP-47 or ISO 639-1 (`en-US`, `en_GB`, `EN`) -> `en`."""
    return code.strip().replace("_", "-").split("-")[0].lower()


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_offset(text: str, index: int) -> int:
    """Perspective's span offsets count UTF-16 code units (an emoji is two)."""
    return _utf16_length(text[:index])


class _TextOnly(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(entry: s.TextEntry) -> str:
    text = entry.text or ""
    if (entry.type or "").upper() == "HTML":
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        return "".join(parser.parts)
    return text


def check_text(entry: s.TextEntry | None) -> str:
    """The comment's text, or Perspective's 400 for a missing, empty or oversize one."""
    if entry is None or entry.text is None:
        raise invalid_argument("Comment must be non-empty.", "COMMENT_EMPTY")
    if entry.type not in (None, "", "TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT", "HTML"):
        raise bad_request(f"Invalid value at 'comment.type': {entry.type!r}.", "comment.type")
    size = len(entry.text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:  # Google's words
        raise invalid_argument(
            f"Comment text was too many bytes. Value ({size}) exceeded limit ({MAX_TEXT_BYTES}).", "COMMENT_TOO_LONG"
        )
    text = plain_text(entry)
    if not text.strip():
        raise invalid_argument("Comment must be non-empty.", "COMMENT_EMPTY")
    return text


def check_languages(requested: Sequence[str] | None, supported: Sequence[str]) -> tuple[list[str], list[str]]:
    """(languages as the answer echoes them, the languages we score in). None or [] means "detect": we have
    no detector and assume the model's first language (English)."""
    if not requested:
        return [supported[0]], [supported[0]]
    codes = [primary_language(code) for code in requested]
    unsupported = [code for code, primary in zip(requested, codes, strict=True) if primary not in supported]
    if unsupported:
        return list(requested), []  # the caller names the attribute in the error
    return list(requested), list(dict.fromkeys(codes))


@dataclass(frozen=True, slots=True)
class Analysis:
    """A checked AnalyzeComment request: what to score and how to answer."""

    text: str
    attributes: dict[str, tuple[str, float | None]]
    """attribute -> (model label, scoreThreshold)"""
    languages: list[str]
    detected_languages: list[str]
    client_token: str | None = None
    span_annotations: bool = False
    labels: tuple[str, ...] = field(default=())


def plan_analysis(request: s.AnalyzeCommentRequest, labels: Iterable[str], model_id: str | None) -> Analysis:
    """Check an AnalyzeComment request against the loaded model; raise Perspective's 400 for what it cannot
    answer (unknown attributes, languages the model does not read, empty or oversize text)."""
    text = check_text(request.comment)
    requested = request.requested_attributes or {}
    if not requested:
        raise invalid_argument("At least one attribute must be requested.", "NO_REQUESTED_ATTRIBUTES")
    available = available_attributes(labels)
    supported = model_languages(model_id)
    languages, scored_in = check_languages(request.languages, supported)
    attributes: dict[str, tuple[str, float | None]] = {}
    for name, params in requested.items():
        if params.score_type not in SCORE_TYPES:
            raise invalid_argument(
                f"Score type {params.score_type} is not supported for attribute {name}: only PROBABILITY is.",
                "SCORE_TYPE_NOT_SUPPORTED",
            )
        threshold = params.score_threshold
        if threshold is not None and not 0 <= threshold <= 1:
            raise bad_request(
                f"requestedAttributes[{name}].scoreThreshold must be between 0 and 1.",
                f"requested_attributes[{name}].score_threshold",
            )
        label = available.get(name)
        if label is None or not scored_in:
            if request.drop_unsupported_attributes:
                continue
            raise invalid_argument(
                f"Attribute {name} does not support request languages: {', '.join(languages)}",
                "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                languageNotSupportedByAttributeError={
                    "detectedLanguages": scored_in or [primary_language(code) for code in languages],
                    "attribute": name,
                },
            )
        attributes[name] = (label, threshold)
    return Analysis(
        text=text,
        attributes=attributes,
        languages=languages,
        detected_languages=scored_in or list(supported[:1]),
        client_token=request.client_token,
        span_annotations=bool(request.span_annotations),
        labels=tuple(dict.fromkeys(label for label, _ in attributes.values())),
    )


def span_scores(text: str, summary: float, explain: Explainer | None = None) -> list[s.SpanScore]:
    """One span over the whole text with the summary score (what Perspective gives for short texts), or the
    spans an explainer finds (begin/end converted to UTF-16 offsets)."""
    if explain is None:
        return [s.SpanScore(begin=0, end=_utf16_length(text), score=s.Score(value=summary, type=PROBABILITY))]
    return [
        s.SpanScore(
            begin=utf16_offset(text, begin), end=utf16_offset(text, end), score=s.Score(value=score, type=PROBABILITY)
        )
        for begin, end, score in explain(text)
    ]


def build_answer(
    analysis: Analysis, scores: Mapping[str, float], explain: Explainer | None = None
) -> s.AnalyzeCommentResponse:
    """Perspective's AnalyzeCommentResponse from the model's label scores. Attributes under their
    scoreThreshold are left out, as Perspective does (and an empty map is left out with them)."""
    attribute_scores: dict[str, s.AttributeScores] = {}
    for name, (label, threshold) in analysis.attributes.items():
        value = float(scores[label])
        if threshold is not None and value < threshold:
            continue
        attribute_scores[name] = s.AttributeScores(
            summary_score=s.Score(value=value, type=PROBABILITY),
            span_scores=span_scores(analysis.text, value, explain if analysis.span_annotations else None),
        )
    return s.AnalyzeCommentResponse(
        attribute_scores=attribute_scores or None,
        languages=analysis.languages,
        detected_languages=analysis.detected_languages,
        client_token=analysis.client_token,
    )


# ------------------------------------------------------------------ suggested scores


@dataclass(frozen=True, slots=True)
class Suggestion:
    attribute: str
    label: str | None
    value: float


def suggestions(request: s.SuggestCommentScoreRequest) -> list[Suggestion]:
    """The scores a client suggests, one per attribute; Coral's decision-named form read as TOXICITY."""
    scores = request.attribute_scores or {}
    if not scores:
        raise bad_request("attributeScores must not be empty.", "attribute_scores")
    found: dict[str, Suggestion] = {}
    for name, attribute in scores.items():
        summary = attribute.summary_score
        if summary is None or summary.value is None:
            raise bad_request(f"attributeScores[{name}].summaryScore.value must be set.", "attribute_scores")
        if not 0 <= summary.value <= 1:
            raise bad_request(
                f"attributeScores[{name}].summaryScore.value must be between 0 and 1.", "attribute_scores"
            )
        if summary.type not in SCORE_TYPES:
            raise invalid_argument(
                f"Score type {summary.type} is not supported: only PROBABILITY is.", "SCORE_TYPE_NOT_SUPPORTED"
            )
        if name in DECISION_ATTRIBUTES:
            value = DECISION_ATTRIBUTES[name] if summary.value >= 0.5 else 1 - DECISION_ATTRIBUTES[name]
            found["TOXICITY"] = Suggestion("TOXICITY", ATTRIBUTE_LABELS["TOXICITY"], value)
        else:
            found[name] = Suggestion(name, ATTRIBUTE_LABELS.get(name), float(summary.value))
    return list(found.values())
