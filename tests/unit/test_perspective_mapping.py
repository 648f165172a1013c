"""The pure Perspective mapping: attribute names <-> model labels, languages, spans, answers, errors."""

from __future__ import annotations

import msgspec
import pytest

from comments.domain.perspective import mapping
from comments.domain.perspective import schemas as s
from comments.domain.perspective.discovery import discovery_document

ALL_LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")


def request(**fields) -> s.AnalyzeCommentRequest:
    body = {"comment": {"text": "hello there"}, "requestedAttributes": {"TOXICITY": {}}, **fields}
    return msgspec.json.decode(msgspec.json.encode(body), type=s.AnalyzeCommentRequest)


@pytest.mark.parametrize(
    ("attribute", "label"),
    [
        ("TOXICITY", "toxicity"),
        ("SEVERE_TOXICITY", "severe_toxicity"),
        ("INSULT", "insult"),
        ("THREAT", "threat"),
        ("IDENTITY_ATTACK", "identity_attack"),
        ("PROFANITY", "obscene"),
    ],
)
def test_attributes_map_to_detoxify_labels_and_back(attribute, label):
    assert mapping.ATTRIBUTE_LABELS[attribute] == label
    assert mapping.LABEL_ATTRIBUTES[label] == attribute


def test_available_attributes_come_from_the_models_labels():
    assert mapping.available_attributes(("toxicity",)) == {"TOXICITY": "toxicity"}
    assert set(mapping.available_attributes(ALL_LABELS)) == set(mapping.ATTRIBUTE_LABELS)
    assert mapping.available_attributes(("toxicity", "sexual_explicit")) == {"TOXICITY": "toxicity"}
    assert mapping.available_attributes(()) == {}


@pytest.mark.parametrize(("code", "primary"), [("en", "en"), ("en-US", "en"), ("EN_gb", "en"), (" pt-BR ", "pt")])
def test_primary_language(code, primary):
    assert mapping.primary_language(code) == primary


def test_languages_a_model_reads():
    assert mapping.model_languages("bundled-minilm-l6-v4") == ("en",)
    assert "fr" in mapping.model_languages("detoxify-multilingual")
    plan = mapping.plan_analysis(request(languages=["fr"]), ("toxicity",), "detoxify-multilingual")
    assert plan.detected_languages == ["fr"]


def test_plan_analysis_maps_attributes_and_thresholds():
    plan = mapping.plan_analysis(
        request(requestedAttributes={"TOXICITY": {"scoreThreshold": 0.4}, "PROFANITY": {}}), ALL_LABELS, "m"
    )
    assert plan.attributes == {"TOXICITY": ("toxicity", 0.4), "PROFANITY": ("obscene", None)}
    assert plan.labels == ("toxicity", "obscene")
    assert plan.languages == ["en"]
    assert plan.detected_languages == ["en"]


@pytest.mark.parametrize(
    ("fields", "error_type"),
    [
        ({"requestedAttributes": {"THREAT": {}}}, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"),
        ({"languages": ["de"]}, "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"),
        ({"comment": {"text": ""}}, "COMMENT_EMPTY"),
        ({"comment": {"text": "x" * 20_481}}, "COMMENT_TOO_LONG"),
        ({"requestedAttributes": {}}, "NO_REQUESTED_ATTRIBUTES"),
        ({"requestedAttributes": {"TOXICITY": {"scoreType": "PERCENTILE"}}}, "SCORE_TYPE_NOT_SUPPORTED"),
    ],
)
def test_plan_analysis_refuses_with_perspectives_error_types(fields, error_type):
    with pytest.raises(mapping.PerspectiveError) as raised:
        mapping.plan_analysis(request(**fields), ("toxicity",), "bundled")
    body = raised.value.body()["error"]
    assert (body["code"], body["status"]) == (400, "INVALID_ARGUMENT")
    assert body["details"][0]["errorType"] == error_type


def test_language_error_names_the_attribute_and_languages_as_google_does():
    with pytest.raises(mapping.PerspectiveError) as raised:
        mapping.plan_analysis(request(languages=["it"]), ("toxicity",), "bundled")
    assert raised.value.message == "Attribute TOXICITY does not support request languages: it"
    detail = raised.value.details[0]["languageNotSupportedByAttributeError"]
    assert detail == {"detectedLanguages": ["it"], "attribute": "TOXICITY"}


def test_drop_unsupported_attributes_drops_instead_of_refusing():
    plan = mapping.plan_analysis(
        request(requestedAttributes={"TOXICITY": {}, "THREAT": {}}, dropUnsupportedAttributes=True), ("toxicity",), "m"
    )
    assert list(plan.attributes) == ["TOXICITY"]


def test_spans_count_utf16_code_units():
    text = "a😀b"  # the emoji is one Python character, two UTF-16 code units
    [span] = mapping.span_scores(text, 0.5)
    assert (span.begin, span.end) == (0, 4)
    explained = mapping.span_scores(text, 0.5, explain=lambda t: [(2, 3, 0.9)])
    assert [(x.begin, x.end, x.score.value) for x in explained] == [(3, 4, 0.9)]


def test_build_answer_leaves_out_scores_under_their_threshold():
    plan = mapping.plan_analysis(
        request(requestedAttributes={"TOXICITY": {"scoreThreshold": 0.5}, "INSULT": {}}), ALL_LABELS, "m"
    )
    answer = mapping.build_answer(plan, {"toxicity": 0.3, "insult": 0.6})
    assert list(answer.attribute_scores) == ["INSULT"]
    wire = msgspec.json.decode(msgspec.json.encode(answer))
    assert wire["attributeScores"]["INSULT"]["summaryScore"] == {"value": 0.6, "type": "PROBABILITY"}
    only = mapping.plan_analysis(request(requestedAttributes={"TOXICITY": {"scoreThreshold": 0.5}}), ALL_LABELS, "m")
    nothing = mapping.build_answer(only, {"toxicity": 0.3})
    assert "attributeScores" not in msgspec.json.decode(msgspec.json.encode(nothing))


def test_span_annotations_use_the_explainer_only_when_asked():
    plan = mapping.plan_analysis(request(spanAnnotations=True), ("toxicity",), "m")
    answer = mapping.build_answer(plan, {"toxicity": 0.9}, explain=lambda t: [(0, 5, 0.95)])
    assert [(x.begin, x.end) for x in answer.attribute_scores["TOXICITY"].span_scores] == [(0, 5)]
    plain = mapping.plan_analysis(request(), ("toxicity",), "m")
    whole = mapping.build_answer(plain, {"toxicity": 0.9}, explain=lambda t: [(0, 5, 0.95)])
    assert [(x.begin, x.end) for x in whole.attribute_scores["TOXICITY"].span_scores] == [(0, len("hello there"))]


def test_html_comments_are_scored_on_their_text():
    assert mapping.check_text(s.TextEntry(text="<p>Hi <b>you</b> &amp; me</p>", type="HTML")) == "Hi you & me"
    assert mapping.check_text(s.TextEntry(text="<p>Hi</p>", type="PLAIN_TEXT")) == "<p>Hi</p>"


def _suggest(scores) -> s.SuggestCommentScoreRequest:
    return msgspec.json.decode(
        msgspec.json.encode({"comment": {"text": "x"}, "attributeScores": scores}), type=s.SuggestCommentScoreRequest
    )


def test_suggestions_read_perspective_and_coral_forms():
    got = mapping.suggestions(
        _suggest({"TOXICITY": {"summaryScore": {"value": 1}}, "INSULT": {"summaryScore": {"value": 0}}})
    )
    assert [(x.attribute, x.label, x.value) for x in got] == [("TOXICITY", "toxicity", 1.0), ("INSULT", "insult", 0.0)]
    deleted = mapping.suggestions(_suggest({"DELETED": {"summaryScore": {"value": 1}}}))
    assert [(x.attribute, x.value) for x in deleted] == [("TOXICITY", 1.0)]
    approved = mapping.suggestions(_suggest({"APPROVED": {"summaryScore": {"value": 1}}}))
    assert [(x.attribute, x.value) for x in approved] == [("TOXICITY", 0.0)]
    other = mapping.suggestions(_suggest({"SPAM": {"summaryScore": {"value": 1}}}))
    assert [(x.attribute, x.label) for x in other] == [("SPAM", None)]


@pytest.mark.parametrize(
    "scores",
    [{}, {"TOXICITY": {}}, {"TOXICITY": {"summaryScore": {}}}, {"TOXICITY": {"summaryScore": {"value": 1.5}}}],
)
def test_suggestions_refuse_malformed_scores(scores):
    with pytest.raises(mapping.PerspectiveError) as raised:
        mapping.suggestions(_suggest(scores))
    assert raised.value.code == 400


def test_googles_error_shapes():
    assert mapping.key_invalid().body() == {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "commentanalyzer.googleapis.com"},
                }
            ],
        }
    }
    assert mapping.key_missing().body() == {
        "error": {"code": 403, "message": "The request is missing a valid API key.", "status": "PERMISSION_DENIED"}
    }
    limited = mapping.rate_limited("coral", 5)
    assert (limited.code, limited.status, limited.headers) == (429, "RESOURCE_EXHAUSTED", {"Retry-After": "1"})
    assert mapping.unavailable().body() == {
        "error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}
    }


def test_discovery_schemas_follow_the_messages():
    document = discovery_document("https://comments.example/perspective")
    assert document["rootUrl"] == "https://comments.example/perspective/"
    schemas = document["schemas"]
    assert schemas["AnalyzeCommentRequest"]["properties"]["requestedAttributes"] == {
        "type": "object",
        "additionalProperties": {"$ref": "AttributeParameters"},
    }
    assert schemas["SpanScore"]["properties"]["begin"] == {"type": "integer", "format": "int32"}
    refs = {
        value.get("$ref") or value.get("items", {}).get("$ref") or value.get("additionalProperties", {}).get("$ref")
        for schema in schemas.values()
        for value in schema["properties"].values()
    } - {None}
    assert refs <= set(schemas)  # every reference resolves


def test_access_log_lines_lose_the_key():
    import logging

    from comments.domain.perspective.logs import RedactKeys

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/perspective/v1alpha1/comments:analyze?key=pk-secret&alt=json", "1.1", 200),
        None,
    )
    assert RedactKeys().filter(record)
    assert "pk-secret" not in record.getMessage()
    assert "key=[redacted]&alt=json" in record.getMessage()


def test_oversize_text_is_refused_in_googles_words():
    with pytest.raises(mapping.PerspectiveError) as raised:
        mapping.check_text(s.TextEntry(text="é" * 10_241))
    assert raised.value.message == "Comment text was too many bytes. Value (20482) exceeded limit (20480)."
