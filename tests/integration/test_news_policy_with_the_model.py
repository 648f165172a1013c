"""The moderation policy at work: the real bundled model behind the runner, the default rules, and news
comments posted through the HTTP API. A fixed sample of the TEST split of scripts/data/news_comments.csv
(never seen in training or in choosing the thresholds): 100 abusive rows (expected "hold": insults, threats,
identity attacks, slurs, dehumanisation, evasions) and 70 civil ones (civil_plain, heated_civil), drawn with
seed 11. The rate limits are lifted (one reader posts them all); every other rule is the default.

Measured with bundled v5's candidate A (`bundled-minilm-l6-v5`) and its thresholds (2026-12-01, SQLite and
PostgreSQL alike; candidate B, `bundled-minilm-l6-v5b`, v6, v7 and v9, `bundled-minilm-l6-v9`, shipped since,
pass the same bounds; v7: 94 of 100 held, 1 of 70 civil, 91 of 95 held with spans once explain() fell back
to a comment's decisive words where the span head marks none; their figures on the whole test third are
in docs/toxicity.md):
79 of the 100 abusive comments held, every one by a toxicity threshold (by category: insult_reader 18/20,
insult_named 10/12, threats 18/22, identity_attack 9/9, dehumanisation 10/11, slur 5/6, evasion 6/8, and
identity_coded, dog whistles, only 3/12); 1 of the 70 civil comments held (1.4%); none refused by a gate,
none left unscored; 69 of the 80 held comments came with spans (in the other 11 the span head marks no
word; explain took about 0.15 s a comment on a shared CPU). The bounds sit a few points inside these
numbers (A's), so that a model or threshold change that moves the policy noticeably fails here.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from comments.app import create_app
from comments.domain.toxicity import BatchingRunner
from comments.domain.toxicity.testing import shared_bundled_classifier
from tests.support import Api, cast_of, queue, set_rules

pytestmark = pytest.mark.model

DATA = Path(__file__).resolve().parents[2] / "scripts" / "data" / "news_comments.csv"
SEED = 11
THREATS = ("threat_direct", "threat_call", "threat_conditional")
NO_RATE_LIMITS = {"rate_limits": {"per_minute": None, "per_hour": None, "per_day": None, "per_article_per_hour": None}}


def sample() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rows = [row for row in csv.DictReader(DATA.open(encoding="utf-8")) if row["split"] == "test"]
    abusive = [row for row in rows if row["expected"] == "hold"]
    civil = [row for row in rows if row["category"] in {"civil_plain", "heated_civil"}]
    chooser = random.Random(SEED)
    return chooser.sample(abusive, 100), chooser.sample(civil, 70)


@pytest.fixture
async def model_api(settings):
    runner = BatchingRunner.from_settings(settings, shared_bundled_classifier())
    runner.timeout_seconds = 60  # two shared CPU cores: a slow answer must not read as "classifier unavailable"
    async with AsyncTestClient(app=create_app(settings, toxicity=runner)) as client:
        assert await runner.wait_ready(120)
        api = Api(client, settings)
        await api.create_demo()
        yield api


async def test_the_policy_holds_abuse_and_publishes_civil_comments(model_api, settings):
    api = model_api
    await set_rules(settings, NO_RATE_LIMITS)
    moderator = (await cast_of(api)).tokens["moderator"]
    token = await api.reader("poster@example.com", "Poster")
    abusive, civil = sample()
    outcome: dict[str, dict] = {}
    for row in abusive + civil:
        posted = await api.post(token, row["text"])
        if posted.status_code == 201:
            answer = posted.json()
            codes = {reason["code"] for reason in answer["reasons"]}
            outcome[row["id"]] = {"status": answer["status"], "codes": codes}
        else:
            outcome[row["id"]] = {"status": f"refused {posted.status_code}", "codes": set()}
    assert not [k for k, o in outcome.items() if "classifier_unavailable" in o["codes"]]

    def share(rows, held_only_by_toxicity: bool = False) -> float:
        stopped = [
            r
            for r in rows
            if outcome[r["id"]]["status"] != "published"
            and ("toxicity" in outcome[r["id"]]["codes"] or not held_only_by_toxicity)
        ]
        return len(stopped) / len(rows)

    measured = {
        "abusive_stopped": share(abusive),
        "abusive_by_toxicity": share(abusive, True),
        "civil_stopped": share(civil),
        "refused": sorted(k for k, o in outcome.items() if o["status"].startswith("refused")),
        "by_category": {},
    }
    for row in abusive:
        held = outcome[row["id"]]["status"] != "published"
        counts = measured["by_category"].setdefault(row["category"], [0, 0])
        counts[0] += held
        counts[1] += 1
    print("\nMEASURED", measured, flush=True)
    assert measured["refused"] == []
    assert measured["abusive_by_toxicity"] >= 0.74  # measured 0.79
    assert measured["civil_stopped"] <= 0.05  # measured 0.014 (1 of 70)
    threats = [sum(x) for x in zip(*(measured["by_category"][c] for c in THREATS), strict=True)]
    assert threats[0] / threats[1] >= 0.7  # measured 18/22

    # A comment held for a label carries the words that held it, shown to moderators on the queue.
    held = [item for item in (await queue(api, moderator, limit=100))["items"] if "held" in item["why"]]
    assert len(held) == sum(o["status"] == "held" for o in outcome.values())
    explained = [item for item in held if item["spans"]]
    print("SPANS", len(explained), "of", len(held), flush=True)
    assert len(explained) >= 0.8 * len(held)  # measured 69 of 80
    for item in explained:
        body = item["comment"]["body"]
        assert all(0 <= s["start"] < s["end"] <= len(body) for s in item["spans"])
        assert all(body[s["start"] : s["end"]].strip() for s in item["spans"])
