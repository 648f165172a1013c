"""The Perspective-compatible API (issue 16): Coral's exact requests, keys made by the CLI, Google's error shape
for every bad request, doNotStore, feedback export and stats, metrics; the real model; Google's own client."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from comments.app import create_app
from comments.cli import cli
from comments.db import PerspectiveFeedback, PerspectiveKey
from comments.db.engine import sqlalchemy_config
from comments.domain.perspective.cli import create_key
from comments.domain.perspective.keys import PerspectiveKeyService, key_hash
from comments.domain.perspective.mapping import PerspectiveError
from comments.domain.perspective.services import FeedbackService
from tests.support import Api

ANALYZE = "/perspective/v1alpha1/comments:analyze"
SUGGEST = "/perspective/v1alpha1/comments:suggestscore"
ABUSE = "Shut up, you pathetic idiot."
CIVIL = "I think the council should publish the budget before the vote."


class FakeModel:
    """A loaded model with the given labels: 0.97 for texts with 'idiot', 0.02 otherwise."""

    state = "ready"
    error = None
    idle = True

    def __init__(self, labels: tuple[str, ...] = ("toxicity",), model_id: str = "fake-keywords") -> None:
        self.labels = labels
        self.model_id = model_id
        self.texts: list[str] = []
        self.fail = False

    async def score(self, text: str) -> dict[str, float]:
        self.texts.append(text)
        if self.fail:
            raise RuntimeError("model exploded")
        return {label: 0.97 if "idiot" in text.lower() else 0.02 for label in self.labels}


def coral_analyze(text: str, model: str = "TOXICITY") -> dict[str, Any]:
    """Exactly what Coral's services/perspective/perspective.ts sends for comments:analyze."""
    return {"comment": {"text": text}, "doNotStore": True, "requestedAttributes": {model: {}}, "languages": ["en"]}


def coral_suggest(text: str, rejected: bool) -> dict[str, Any]:
    """What Coral sends for comments:suggestscore after a moderator's decision (as the issue describes it)."""
    return {
        "comment": {"text": text},
        "context": {
            "entries": [
                {
                    "text": json.dumps(
                        {
                            "url": "https://news.example/story?commentID=c1",
                            "reply_to_id_Coral_comment_id": None,
                            "Coral_comment_id": "c1",
                        }
                    )
                }
            ]
        },
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1 if rejected else 0}}},
        "languages": ["en"],
        "communityId": "Coral:https://news.example",
        "clientToken": "comment:c1",
    }


@pytest.fixture
def model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def app(settings, model) -> Litestar:
    return create_app(settings, toxicity=model)


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def _session_work(settings, work):
    config = sqlalchemy_config(settings)
    try:
        async with config.get_session() as session:
            return await work(session)
    finally:
        await config.get_engine().dispose()


async def make_key(settings, name: str = "coral", qps: int = 50) -> str:
    """A key made by the CLI's own function."""
    return await _session_work(settings, lambda session: create_key(session, name, qps))


async def rows(settings, statement) -> list[Any]:
    return await _session_work(settings, lambda session: _all(session, statement))


async def _all(session, statement):
    return list((await session.execute(statement)).all())


def _env(settings) -> dict[str, str]:
    env = {"COMMENTS_HOME": str(settings.home)}
    if not settings.is_sqlite:
        env["COMMENTS_DATABASE_URL"] = settings.resolved_database_url
    return env


async def run_cli(settings, *args: str):
    runner = CliRunner()
    return await anyio.to_thread.run_sync(lambda: runner.invoke(cli, list(args), env=_env(settings)))


def google_error(response, code: int, status: str) -> dict[str, Any]:
    """The answer is Google's error shape (never problem+json) with this code and status."""
    assert response.status_code == code, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    error = response.json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert error["message"]
    return error


def error_type(error: dict[str, Any]) -> str:
    [detail] = error["details"]
    assert detail["@type"] == "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
    return detail["errorType"]


# ------------------------------------------------------------------ Coral's requests, a key from the CLI


async def test_coral_analyze_with_a_key_from_the_cli_gets_the_score_where_coral_reads_it(client, settings, model):
    created = await run_cli(settings, "perspective-key", "create", "coral-prod", "--qps", "5")
    assert created.exit_code == 0, created.output
    key = created.output.split()[-1]  # the contract: the key is the last word
    [stored] = await rows(settings, select(PerspectiveKey.name, PerspectiveKey.qps, PerspectiveKey.key_hash))
    assert stored == ("coral-prod", 5, key_hash(key))  # only the hash is kept
    assert key not in json.dumps([str(v) for v in stored])

    response = await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(ABUSE))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["attributeScores"]["TOXICITY"]["summaryScore"] == {"value": 0.97, "type": "PROBABILITY"}
    assert answer["attributeScores"]["TOXICITY"]["spanScores"] == [
        {"begin": 0, "end": len(ABUSE), "score": {"value": 0.97, "type": "PROBABILITY"}}
    ]
    assert answer["languages"] == ["en"]
    assert answer["detectedLanguages"] == ["en"]
    civil = (await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL))).json()
    assert civil["attributeScores"]["TOXICITY"]["summaryScore"]["value"] == 0.02
    assert model.texts == [ABUSE, CIVIL]


async def test_the_key_works_in_the_x_goog_api_key_header(client, settings):
    key = await make_key(settings)
    response = await client.post(ANALYZE, json=coral_analyze(ABUSE), headers={"X-Goog-Api-Key": key})
    assert response.status_code == 200, response.text


async def test_coral_suggestscore_is_stored_as_hashed_feedback_for_the_key(client, settings, model):
    key = await make_key(settings)
    response = await client.post(f"{SUGGEST}?key={key}", json=coral_suggest(ABUSE, rejected=True))
    assert response.status_code == 200, response.text
    assert response.json() == {"clientToken": "comment:c1", "detectedLanguages": ["en"], "requestedLanguages": ["en"]}
    approved = await client.post(f"{SUGGEST}?key={key}", json=coral_suggest(CIVIL, rejected=False))
    assert approved.status_code == 200, approved.text

    stored = await rows(
        settings,
        select(
            PerspectiveFeedback.attribute,
            PerspectiveFeedback.label,
            PerspectiveFeedback.value,
            PerspectiveFeedback.model_score,
            PerspectiveFeedback.text,
            PerspectiveFeedback.text_sha256,
            PerspectiveFeedback.community_id,
            PerspectiveFeedback.client_token,
            PerspectiveKey.name,
        )
        .join(PerspectiveKey)
        .order_by(PerspectiveFeedback.created_at),
    )
    assert [tuple(r) for r in stored] == [
        (
            "TOXICITY",
            "toxicity",
            1.0,
            0.97,
            None,
            hashlib.sha256(ABUSE.encode()).hexdigest(),
            "Coral:https://news.example",
            "comment:c1",
            "coral",
        ),
        (
            "TOXICITY",
            "toxicity",
            0.0,
            0.02,
            None,
            hashlib.sha256(CIVIL.encode()).hexdigest(),
            "Coral:https://news.example",
            "comment:c1",
            "coral",
        ),
    ]


@pytest.mark.parametrize(("decision", "value"), [("DELETED", 1.0), ("APPROVED", 0.0), ("REJECTED", 1.0)])
async def test_coral_decision_named_scores_are_read_as_toxicity(client, settings, decision, value):
    """Coral's perspective.ts keys attributeScores by the comment's status (`[status]: {summaryScore:
    {value: 1}}`): read as TOXICITY 1 (deleted) or 0 (approved)."""
    key = await make_key(settings)
    body = coral_suggest(ABUSE, rejected=True)
    body["attributeScores"] = {decision: {"summaryScore": {"value": 1}}}
    response = await client.post(f"{SUGGEST}?key={key}", json=body)
    assert response.status_code == 200, response.text
    assert await rows(settings, select(PerspectiveFeedback.attribute, PerspectiveFeedback.value)) == [
        ("TOXICITY", value)
    ]


# ------------------------------------------------------------------ keys: missing, bad, revoked, over the limit


async def test_a_missing_key_is_403_permission_denied(client, settings):
    await make_key(settings)
    for url in (ANALYZE, SUGGEST):
        error = google_error(await client.post(url, json=coral_analyze(ABUSE)), 403, "PERMISSION_DENIED")
        assert error["message"] == "The request is missing a valid API key."


async def test_a_bad_key_is_400_api_key_invalid_as_google_answers(client, settings, model):
    await make_key(settings)
    for url, body in ((ANALYZE, coral_analyze(ABUSE)), (SUGGEST, coral_suggest(ABUSE, True))):
        for headers, query in (({}, "?key=pk-not-a-key"), ({"X-Goog-Api-Key": "nope"}, "")):
            error = google_error(await client.post(url + query, json=body, headers=headers), 400, "INVALID_ARGUMENT")
            assert error["message"] == "API key not valid. Please pass a valid API key."
            [info] = error["details"]
            assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
            assert info["reason"] == "API_KEY_INVALID"
    assert model.texts == []  # nothing scored for a caller without a key


async def test_the_key_is_checked_before_the_body(client, settings):
    response = await client.post(f"{ANALYZE}?key=wrong", content=b"{not json")
    assert google_error(response, 400, "INVALID_ARGUMENT")["details"][0]["reason"] == "API_KEY_INVALID"


async def test_a_revoked_key_is_refused_from_then_on(client, settings):
    key = await make_key(settings, "old-coral")
    assert (await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL))).status_code == 200
    revoked = await run_cli(settings, "perspective-key", "revoke", "old-coral")
    assert revoked.exit_code == 0, revoked.output
    error = google_error(await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL)), 400, "INVALID_ARGUMENT")
    assert error["details"][0]["reason"] == "API_KEY_INVALID"
    listed = await run_cli(settings, "perspective-key", "list")
    assert listed.exit_code == 0, listed.output
    assert "old-coral" in listed.output
    assert key not in listed.output
    unknown = await run_cli(settings, "perspective-key", "revoke", "no-such-key")
    assert unknown.exit_code != 0
    assert "no Perspective key named 'no-such-key'" in unknown.output


async def test_cli_refuses_bad_names_qps_and_duplicates(settings):
    assert (await run_cli(settings, "perspective-key", "create", "coral")).exit_code == 0
    for args in (["coral"], ["bad name!"], ["ok", "--qps", "0"]):
        result = await run_cli(settings, "perspective-key", "create", *args)
        assert result.exit_code != 0, result.output
        assert "Error" in result.output


async def test_an_over_limit_key_gets_429_resource_exhausted(client, settings):
    """qps 1: of three requests within a second or two, at least two fall in one second."""
    key = await make_key(settings, "slow", qps=1)
    answers = [await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL)) for _ in range(3)]
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    error = google_error(refused[0], 429, "RESOURCE_EXHAUSTED")
    assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    assert refused[0].headers["retry-after"] == "1"
    [(limited, analyzed)] = await rows(
        settings, select(PerspectiveKey.limited_requests, PerspectiveKey.analyze_requests)
    )
    assert (limited, analyzed) == (len(refused), 3)


async def test_the_rate_window_is_shared_by_every_process(settings):
    """Two engines (as two server processes would have) count into one window: the limit is global."""
    key = await make_key(settings, "shared", qps=2)
    at = 1_900_000_000.25

    async def use(now):
        return await _session_work(
            settings, lambda session: PerspectiveKeyService(session=session).use(key, "analyze", now)
        )

    assert (await use(at)).name == "shared"
    assert (await use(at + 0.5)).name == "shared"
    with pytest.raises(PerspectiveError) as refused:
        await use(at + 0.7)  # a third in the same second, from another "process"
    assert refused.value.code == 429
    assert (await use(at + 1)).name == "shared"  # the next second has its own window


async def test_bearer_tokens_of_any_role_are_no_substitute_for_a_key(client, settings):
    """The Perspective routes are for API keys only: a reader's, a moderator's or a superadmin's session does
    not open them (and a bad bearer token gets Google's error, not a problem+json 401)."""
    api = Api(client, settings)
    await api.create_demo()
    tokens = [await api.reader("reader.one@example.com", "Reader One")]
    tokens.append(await api.staff("mod.one@example.com", "moderator"))
    tokens.append(await api.staff("super.one@example.com", "superadmin"))
    for token in [*tokens, "garbage"]:
        response = await client.post(ANALYZE, json=coral_analyze(CIVIL), headers=api.auth(token))
        google_error(response, 403, "PERMISSION_DENIED")


# ------------------------------------------------------------------ attributes, languages, texts


async def test_attributes_the_model_lacks_get_language_not_supported_by_attribute(client, settings):
    key = await make_key(settings)
    for attribute in ("THREAT", "INSULT", "PROFANITY", "NOT_AN_ATTRIBUTE"):
        response = await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL, attribute))
        error = google_error(response, 400, "INVALID_ARGUMENT")
        assert error_type(error) == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
        assert error["message"] == f"Attribute {attribute} does not support request languages: en"
    body = coral_analyze(CIVIL) | {
        "requestedAttributes": {"TOXICITY": {}, "THREAT": {}},
        "dropUnsupportedAttributes": True,
    }
    dropped = await client.post(f"{ANALYZE}?key={key}", json=body)
    assert dropped.status_code == 200, dropped.text
    assert list(dropped.json()["attributeScores"]) == ["TOXICITY"]


async def test_attributes_follow_the_labels_of_the_loaded_model(settings):
    model = FakeModel(labels=("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"))
    key = await make_key(settings)
    async with AsyncTestClient(app=create_app(settings, toxicity=model)) as client:
        requested = {a: {} for a in ("TOXICITY", "SEVERE_TOXICITY", "INSULT", "THREAT", "IDENTITY_ATTACK", "PROFANITY")}
        response = await client.post(
            f"{ANALYZE}?key={key}", json={"comment": {"text": ABUSE}, "requestedAttributes": requested}
        )
    assert response.status_code == 200, response.text
    scores = response.json()["attributeScores"]
    assert set(scores) == set(requested)
    assert all(s["summaryScore"]["value"] == 0.97 for s in scores.values())


async def test_languages_other_than_english_are_refused_and_english_variants_accepted(client, settings):
    key = await make_key(settings)
    for languages in (["de"], ["en", "fr"], ["pt-BR"]):
        body = coral_analyze(CIVIL) | {"languages": languages}
        error = google_error(await client.post(f"{ANALYZE}?key={key}", json=body), 400, "INVALID_ARGUMENT")
        assert error_type(error) == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    for languages in (["en-US"], ["EN"], [], None):
        body = coral_analyze(CIVIL) | {"languages": languages}
        if languages is None:
            del body["languages"]
        response = await client.post(f"{ANALYZE}?key={key}", json=body)
        assert response.status_code == 200, (languages, response.text)
        answer = response.json()
        assert answer["detectedLanguages"] == ["en"]
        assert answer["languages"] == (languages or ["en"])


async def test_empty_missing_and_oversize_texts_get_perspectives_400(client, settings):
    key = await make_key(settings)
    for comment in ({"text": ""}, {"text": "   \n"}, {}, {"text": "<p></p>", "type": "HTML"}):
        body = coral_analyze(CIVIL) | {"comment": comment}
        error = google_error(await client.post(f"{ANALYZE}?key={key}", json=body), 400, "INVALID_ARGUMENT")
        assert error_type(error) == "COMMENT_EMPTY"
    no_comment = {k: v for k, v in coral_analyze(CIVIL).items() if k != "comment"}
    assert (
        error_type(google_error(await client.post(f"{ANALYZE}?key={key}", json=no_comment), 400, "INVALID_ARGUMENT"))
        == "COMMENT_EMPTY"
    )
    limit = "a" * 20_480  # Perspective's limit: 20 KB of UTF-8
    assert (await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(limit))).status_code == 200
    for text in ("a" * 20_481, "é" * 10_241):
        error = google_error(
            await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(text)), 400, "INVALID_ARGUMENT"
        )
        assert error_type(error) == "COMMENT_TOO_LONG"
    huge = await client.post(f"{ANALYZE}?key={key}", json=coral_analyze("a" * 100_000))  # over the body limit too
    assert error_type(google_error(huge, 400, "INVALID_ARGUMENT")) == "COMMENT_TOO_LONG"


async def test_malformed_requests_get_googles_bad_request_never_problem_json(client, settings):
    key = await make_key(settings)
    bodies = [
        b"{not json",
        b"[]",
        json.dumps({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}).encode(),
        json.dumps({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "unknownField": 1}).encode(),
        json.dumps({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}}).encode(),
        json.dumps({"comment": {"text": "x", "type": "MARKDOWN"}, "requestedAttributes": {"TOXICITY": {}}}).encode(),
    ]
    for body in bodies:
        response = await client.post(f"{ANALYZE}?key={key}", content=body, headers={"content-type": "application/json"})
        error = google_error(response, 400, "INVALID_ARGUMENT")
        assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest", body
    no_attributes = await client.post(f"{ANALYZE}?key={key}", json={"comment": {"text": "x"}})
    assert error_type(google_error(no_attributes, 400, "INVALID_ARGUMENT")) == "NO_REQUESTED_ATTRIBUTES"
    raw = await client.post(
        f"{ANALYZE}?key={key}",
        json={"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}},
    )
    assert error_type(google_error(raw, 400, "INVALID_ARGUMENT")) == "SCORE_TYPE_NOT_SUPPORTED"
    for bad in (
        {"comment": {"text": "x"}},  # no attributeScores
        {"comment": {"text": "x"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 3}}}},
        {"comment": {"text": "x"}, "attributeScores": {"TOXICITY": {}}},
    ):
        google_error(await client.post(f"{SUGGEST}?key={key}", json=bad), 400, "INVALID_ARGUMENT")


async def test_wrong_methods_and_unknown_paths_answer_in_googles_shape(client, settings):
    key = await make_key(settings)
    google_error(await client.get(f"{ANALYZE}?key={key}"), 404, "NOT_FOUND")
    google_error(await client.post(f"/perspective/v1alpha1/comments:summarize?key={key}", json={}), 404, "NOT_FOUND")
    google_error(await client.get("/perspective/v1/anything"), 404, "NOT_FOUND")


async def test_score_threshold_span_annotations_html_and_client_token(client, settings):
    key = await make_key(settings)
    body = {
        "comment": {"text": "<p>You <b>idiot</b> 😀</p>", "type": "HTML"},
        "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.5, "scoreType": "PROBABILITY"}},
        "spanAnnotations": True,
        "clientToken": "abc",
        "communityId": "site-1",
        "sessionId": "42",
    }
    answer = (await client.post(f"{ANALYZE}?key={key}", json=body)).json()
    assert answer["clientToken"] == "abc"
    # the HTML's text, "You idiot 😀": the emoji is two UTF-16 code units, as Perspective counts them
    assert answer["attributeScores"]["TOXICITY"]["spanScores"][0]["end"] == len("You idiot ") + 2
    civil = body | {"comment": {"text": CIVIL}}
    below = (await client.post(f"{ANALYZE}?key={key}", json=civil)).json()
    assert "attributeScores" not in below  # under scoreThreshold: left out, as Perspective does
    assert below["languages"] == ["en"]


async def test_a_model_that_cannot_answer_is_503_unavailable(client, settings, model):
    key = await make_key(settings)
    model.fail = True
    google_error(await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL)), 503, "UNAVAILABLE")
    # feedback is still taken (without a model score)
    assert (await client.post(f"{SUGGEST}?key={key}", json=coral_suggest(ABUSE, True))).status_code == 200
    assert await rows(settings, select(PerspectiveFeedback.model_score)) == [(None,)]
    model.fail, model.labels = False, ()  # still loading
    google_error(await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL)), 503, "UNAVAILABLE")


# ------------------------------------------------------------------ privacy


async def test_do_not_store_keeps_nothing_about_the_text_and_logs_never_hold_it(client, settings, caplog):
    key = await make_key(settings)
    secret = "My neighbour Alice Example at 12 Hidden Lane is an idiot"
    with caplog.at_level(logging.DEBUG):
        assert (await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(secret))).status_code == 200
        suggest = coral_suggest(secret, rejected=True) | {"doNotStore": True}
        assert (await client.post(f"{SUGGEST}?key={key}", json=suggest)).status_code == 200
        await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(secret) | {"requestedAttributes": {"X": {}}})
    assert await rows(
        settings,
        select(
            PerspectiveFeedback.text,
            PerspectiveFeedback.text_sha256,
            PerspectiveFeedback.model_score,
            PerspectiveFeedback.value,
        ),
    ) == [(None, None, None, 1.0)]  # the verdict is kept; nothing about the text
    assert all("Hidden Lane" not in record.getMessage() for record in caplog.records)
    if settings.is_sqlite:
        for file in settings.home.glob("comments.db*"):
            assert b"Hidden Lane" not in file.read_bytes()


async def test_do_not_store_false_keeps_the_text_for_retraining_and_export_writes_it(client, settings, tmp_path):
    key = await make_key(settings)
    await client.post(f"{SUGGEST}?key={key}", json=coral_suggest(ABUSE, True) | {"doNotStore": False})
    await client.post(f"{SUGGEST}?key={key}", json=coral_suggest(CIVIL, False))
    out = tmp_path / "feedback.jsonl"
    result = await run_cli(settings, "perspective", "feedback", "export", "--output", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["label"], x["value"], x.get("text"), x["key"]) for x in lines] == [
        ("toxicity", 1.0, ABUSE, "coral"),
        ("toxicity", 0.0, None, "coral"),
    ]
    assert lines[1]["text_sha256"]
    assert lines[0]["model_score"] == 0.97
    only_text = await run_cli(settings, "perspective", "feedback", "export", "--with-text-only")
    assert [json.loads(line)["text"] for line in only_text.output.splitlines()] == [ABUSE]


# ------------------------------------------------------------------ stats, metrics, discovery


async def test_feedback_counts_in_the_model_quality_stats(client, settings):
    """Precision and recall of auto-holds, computed as the moderation stats compute them."""
    key = await make_key(settings)
    verdicts = [(ABUSE, True), (ABUSE, True), (ABUSE + "!", False), (CIVIL, True), (CIVIL + ".", False)]
    for text, rejected in verdicts:
        assert (await client.post(f"{SUGGEST}?key={key}", json=coral_suggest(text, rejected))).status_code == 200
    [row] = await _session_work(settings, lambda session: FeedbackService(session=session).quality({"toxicity": 0.5}))
    # held (model 0.97): 3, of which moderators rejected 2; rejected: 3, of which the model flagged 2
    assert (row.label, row.auto_held_decided, row.auto_held_rejected, row.precision) == ("toxicity", 3, 2, 0.6667)
    assert (row.moderator_rejected, row.model_flagged, row.recall) == (3, 2, 0.6667)
    shown = await run_cli(settings, "perspective", "feedback", "stats", "--threshold", "0.5")
    assert shown.exit_code == 0, shown.output
    assert "toxicity" in shown.output
    assert "0.667" in shown.output


async def test_usage_per_key_is_on_metrics(client, settings):
    coral, other = await make_key(settings, "coral"), await make_key(settings, "other", qps=1)
    await client.post(f"{ANALYZE}?key={coral}", json=coral_analyze(CIVIL))
    await client.post(f"{ANALYZE}?key={coral}", json=coral_analyze(ABUSE))
    await client.post(f"{SUGGEST}?key={coral}", json=coral_suggest(ABUSE, True))
    await client.post(f"{ANALYZE}?key={other}", json=coral_analyze(CIVIL))
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'comments_perspective_requests_total{key="coral",operation="analyze"} 2' in text
    assert 'comments_perspective_requests_total{key="coral",operation="suggestscore"} 1' in text
    assert 'comments_perspective_requests_total{key="other",operation="analyze"} 1' in text
    assert 'comments_perspective_feedback_total{key="coral",attribute="TOXICITY",verdict="rejected"} 1' in text
    assert coral not in text
    assert other not in text
    assert ABUSE not in text


async def test_the_discovery_document_points_clients_at_this_service(client, settings):
    response = await client.get("/perspective/$discovery/rest?version=v1alpha1")
    assert response.status_code == 200
    document = response.json()
    assert document["rootUrl"] == settings.public_url + "/perspective/"
    methods = document["resources"]["comments"]["methods"]
    assert methods["analyze"]["path"] == "v1alpha1/comments:analyze"
    assert methods["suggestscore"]["path"] == "v1alpha1/comments:suggestscore"
    request = document["schemas"]["AnalyzeCommentRequest"]["properties"]
    assert {"comment", "requestedAttributes", "languages", "doNotStore", "spanAnnotations"} <= set(request)


async def test_openapi_names_the_operations(client):
    schema = (await client.get("/schema/openapi.json")).json()
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)}
    assert {"AnalyzeComment", "SuggestCommentScore"} <= ids


# ------------------------------------------------------------------ the real model; Google's own client


@pytest.mark.model
async def test_the_bundled_model_scores_abuse_high_and_civil_text_low(settings):
    from comments.domain.toxicity import BatchingRunner
    from comments.domain.toxicity.testing import shared_bundled_classifier

    runner = BatchingRunner.from_settings(settings, shared_bundled_classifier())
    key = await make_key(settings)
    async with AsyncTestClient(app=create_app(settings, toxicity=runner)) as client:
        assert await runner.wait_ready(60)
        abusive = await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(ABUSE + " Nobody wants your garbage."))
        civil = await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL))
        unsupported = await client.post(f"{ANALYZE}?key={key}", json=coral_analyze(CIVIL, "THREAT"))
        stats = runner.stats()
        labels = runner.labels  # while it runs (a stopped runner has none)
    high = abusive.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    low = civil.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert high >= 0.8, high  # held even at Coral's default threshold
    assert low <= 0.1, low
    if "threat" in labels:  # a multi-label model (v5) answers THREAT too
        assert unsupported.json()["attributeScores"]["THREAT"]["summaryScore"]["value"] <= 0.1
        assert stats["texts_scored"] == 3  # through the same micro-batching runner as posts
    else:  # the single-label v4 model
        assert error_type(google_error(unsupported, 400, "INVALID_ARGUMENT")) == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
        assert stats["texts_scored"] == 2


@contextmanager
def live_server(app: Litestar, port: int) -> Iterator[str]:
    """A real uvicorn server on `port`, in a thread (Google's client speaks real HTTP)."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        assert thread.is_alive(), "server thread died"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.mark.slow
async def test_googles_python_client_works_against_this_service(settings):
    """google-api-python-client, built from our discovery document (fetched through discoveryServiceUrl, and
    from a local copy with build_from_document), calls both operations and reads Google's errors."""
    from dataclasses import replace

    from googleapiclient import discovery
    from googleapiclient.errors import HttpError

    from comments.domain.perspective.discovery import discovery_document
    from tests.servers import free_port

    port = free_port()
    settings = replace(settings, public_url=f"http://127.0.0.1:{port}")
    key = await make_key(settings)
    app = create_app(settings, toxicity=FakeModel())

    def use_the_client(base: str) -> dict[str, Any]:
        fetched = discovery.build(
            "commentanalyzer",
            "v1alpha1",
            developerKey=key,
            discoveryServiceUrl=base + "/perspective/$discovery/rest?version={apiVersion}",
            static_discovery=False,
            cache_discovery=False,
        )
        local = discovery.build_from_document(discovery_document(base + "/perspective/"), developerKey=key)
        bad = discovery.build_from_document(discovery_document(base + "/perspective/"), developerKey="pk-wrong")
        results: dict[str, Any] = {
            "fetched": fetched.comments().analyze(body=coral_analyze(ABUSE)).execute(),
            "local": local.comments().analyze(body=coral_analyze(CIVIL)).execute(),
            "suggest": local.comments().suggestscore(body=coral_suggest(ABUSE, True)).execute(),
        }
        try:
            bad.comments().analyze(body=coral_analyze(CIVIL)).execute()
        except HttpError as error:
            results["error"] = (error.status_code, error.reason, error.error_details)
        try:
            local.comments().analyze(body=coral_analyze(CIVIL, "THREAT")).execute()
        except HttpError as error:
            results["unsupported"] = (error.status_code, error.error_details)
        return results

    with live_server(app, port) as base:
        results = await anyio.to_thread.run_sync(use_the_client, base)
    assert results["fetched"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"] == 0.97
    assert results["local"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"] == 0.02
    assert results["suggest"]["clientToken"] == "comment:c1"
    status, reason, details = results["error"]
    assert (status, reason) == (400, "API key not valid. Please pass a valid API key.")
    assert details[0]["reason"] == "API_KEY_INVALID"
    status, details = results["unsupported"]
    assert status == 400
    assert details[0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
ATTRIBUTE = st.sampled_from(["TOXICITY", "THREAT", "PROFANITY", "APPROVED", "DELETED", "x"])
SCORE = st.fixed_dictionaries(
    {}, optional={"value": JSONISH | st.floats(0, 1), "type": JSONISH | st.just("PROBABILITY")}
)
PAYLOAD = st.fixed_dictionaries(
    {},
    optional={
        "comment": st.fixed_dictionaries({}, optional={"text": st.text(max_size=40) | JSONISH, "type": JSONISH}),
        "requestedAttributes": st.dictionaries(
            ATTRIBUTE, st.fixed_dictionaries({}, optional={"scoreThreshold": JSONISH, "scoreType": JSONISH}), max_size=2
        )
        | JSONISH,
        "attributeScores": st.dictionaries(
            ATTRIBUTE, st.fixed_dictionaries({}, optional={"summaryScore": SCORE, "spanScores": JSONISH}), max_size=2
        )
        | JSONISH,
        "languages": st.lists(st.sampled_from(["en", "de", "en-US", ""]) | st.text(max_size=5), max_size=2) | JSONISH,
        "doNotStore": JSONISH,
        "spanAnnotations": JSONISH,
        "context": JSONISH,
        "clientToken": JSONISH,
    },
)


@pytest.mark.parametrize("url", [ANALYZE, SUGGEST])
async def test_no_input_makes_the_perspective_routes_answer_500(client, settings, url):
    """Property: whatever JSON arrives, the answer is a 200 or Google's 4xx shape, never a 5xx."""
    key = await make_key(settings, qps=100_000)
    seen = []

    @hsettings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(payload=PAYLOAD | JSONISH)
    def collect(payload):
        seen.append(payload)

    collect()
    for payload in seen:
        response = await client.post(f"{url}?key={key}", json=payload)
        assert response.status_code < 500, (payload, response.text)
        if response.status_code != 200:
            google_error(response, response.status_code, response.json()["error"]["status"])
