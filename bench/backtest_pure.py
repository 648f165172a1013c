"""Time the pure backtest replay (no database) over synthetic comments, and one comment's evaluation.

    .venv/bin/python bench/backtest_pure.py [--comments 100000] [--repeats 5]

Bodies are news-comment-like sentences (20-1000 characters) where some carry links, capitals, banned or
suspect words (some spelled to evade), under a heated-story rule set with 60 banned and 60 suspect terms;
each record has stored scores and a history. Prints the median of several runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from comments.domain.rules import (
    AuthorHistory,
    BacktestRecord,
    Draft,
    backtest,
    compile_rules,
    decide,
    validate,
)

_WORDS = [
    "the", "government", "said", "minister", "policy", "war", "peace", "talks", "sanctions", "missile",
    "strike", "border", "election", "vote", "people", "country", "think", "really", "should", "would", "could",
    "never", "always", "why", "because", "article", "report", "news", "economy", "prices", "energy", "winter",
    "army", "troops", "president", "summit", "agreement", "treaty", "deal", "negotiate", "diplomacy", "europe",
    "america", "russia", "ukraine", "nato", "china", "security", "council", "united", "nations", "history",
    "analysis", "opinion", "agree", "disagree", "wrong", "right", "point", "fact", "source", "evidence",
    "claim", "truth", "lie", "believe", "trust", "media", "journalist",
]  # fmt: skip
_BANNED = [f"slur{i}" for i in range(55)] + ["idiot", "moron", "scumbag", "go back to", "traitor"]
_SUSPECT = [f"suspect{i}" for i in range(55)] + ["stupid", "liar", "clown", "shut up", "pathetic"]
_EVASIONS = ("1d10t", "i d i o t", "IDIOOOT", "m0r0n", "ѕсumbаg", "tr@it0r", "l1ar", "st.u.p.i.d")  # noqa: RUF001
_LINKS = ("https://example.com/story", "www.youtube.com/watch?v=x", "cheap-pills.ru/buy", "https://bbc.co.uk/news")

RULES = {
    "premoderation": {"mode": "new_commenters", "approved_comments_needed": 2},
    "account": {"minimum_age_seconds": 86_400, "action": "hold"},
    "body": {
        "max_links": 1,
        "link_domains": {"deny": ["cheap-pills.ru", "spam.example"], "action": "reject"},
        "caps": {"max_ratio": 0.6, "min_letters": 20, "action": "hold"},
    },
    "words": {"banned": _BANNED, "suspect": _SUSPECT},
    "toxicity": {"thresholds": {"toxicity": {"hold": 0.4, "reject": 0.9}, "insult": {"hold": 0.5}}},
    "thread": {"max_depth": 3},
}


def _body(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 160))]
    roll = rng.random()
    if roll < 0.04:
        words.insert(rng.randrange(len(words)), rng.choice(_EVASIONS))
    elif roll < 0.08:
        words.insert(rng.randrange(len(words)), rng.choice(_BANNED + _SUSPECT))
    if rng.random() < 0.06:
        words.append(rng.choice(_LINKS))
    text = " ".join(words)
    sentences = [s.strip().capitalize() for s in text.split(" because ")]
    text = ". ".join(sentences)[:1000] + rng.choice(".!?")
    return text.upper() if rng.random() < 0.03 else text


def records(count: int, seed: int = 7) -> list[BacktestRecord]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for i in range(count):
        created = start + timedelta(seconds=i * 30 + rng.randint(0, 29))
        toxicity = rng.betavariate(1.2, 6)
        out.append(
            BacktestRecord(
                id=f"c{i:06d}",
                body=_body(rng),
                depth=rng.choice((0, 0, 0, 1, 1, 2, 3, 4)),
                created_at=created,
                scores=None if rng.random() < 0.005 else {"toxicity": toxicity, "insult": toxicity * 0.8},
                original_status=rng.choices(("published", "held", "rejected"), (85, 10, 5))[0],
                moderator_decision=rng.choice((None, None, None, "approved", "rejected")),
                account_created_at=created - timedelta(days=rng.choice((0, 3, 400))),
                approved_on_site=rng.choice((0, 1, 5, 40)),
                author_id=f"u{rng.randrange(count // 20 or 1)}",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rules = validate(RULES)
    started = time.perf_counter()
    compile_rules(rules)
    compile_ms = (time.perf_counter() - started) * 1000
    data = records(args.comments)

    runs, report = [], None
    for _ in range(args.repeats):
        started = time.perf_counter()
        report = backtest(rules, data)
        runs.append(time.perf_counter() - started)

    compiled = compile_rules(rules)
    sample = data[: min(len(data), 20_000)]
    history = AuthorHistory(
        account_created_at=datetime(2024, 1, 1, tzinfo=UTC),
        approved_on_site=10,
        recent_on_site=(),
        recent_on_article=(),
        recent_bodies=(),
    )
    per_comment = []
    for record in sample:
        started = time.perf_counter()
        decide(rules, compiled.evaluate(Draft(record.body, record.depth), history, record.created_at), record.scores)
        per_comment.append(time.perf_counter() - started)

    assert report is not None
    mean_length = statistics.fmean(len(r.body) for r in data)
    print(f"comments                         {len(data):>10,}   (mean body {mean_length:.0f} chars)")
    print(f"compile rule set                 {compile_ms:>10.1f} ms (first use, once per rule set)")
    print(f"backtest, median of {len(runs)}           {statistics.median(runs):>10.2f} s   (min {min(runs):.2f} s)")
    print(f"evaluate + decide per comment    {statistics.median(per_comment) * 1e6:>10.1f} µs median")
    print(f"                                 {statistics.quantiles(per_comment, n=100)[98] * 1e6:>10.1f} µs p99")
    print(f"would be: {report.would_be}  flagged: {report.would_be_flagged}  changed: {report.changed}")
    print(
        f"approved now held {report.approved_now_held}, approved now rejected {report.approved_now_rejected}, "
        f"rejected now published {report.rejected_now_published}"
    )


if __name__ == "__main__":
    main()
