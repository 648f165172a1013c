"""check_rate_limit(): per user on the site per minute/hour/day, per user on the article per hour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from comments.domain.rules import check_rate_limit, default_rules
from tests.unit.rules.helpers import NOW, history, rules

S = timedelta(seconds=1)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("on_site", "on_article", "code", "retry_after"),
    [
        ((), (), None, None),
        ((10 * S, 20 * S, 30 * S, 40 * S), (), None, None),  # 4 in the last minute: the 5th is allowed
        ((10 * S, 20 * S, 30 * S, 40 * S, 50 * S), (), "rate_limit.minute", 10),  # the oldest leaves in 10 s
        ((50 * S, 40 * S, 30 * S, 20 * S, 10 * S), (), "rate_limit.minute", 10),  # order does not matter
        ((S, S, S, S, S, S, 59 * S), (), "rate_limit.minute", 59),  # 7 inside: wait until 3 have left
        ((60 * S, 10 * S, 20 * S, 30 * S, 40 * S), (), None, None),  # exactly a minute ago has left
        (tuple(2 * MIN * i + MIN for i in range(30)), (), "rate_limit.hour", 60),
        (tuple(H + 40 * MIN * i for i in range(200)), (), None, None),
        (tuple(10 * MIN * i + MIN for i in range(144)), (), None, None),
        (tuple(7 * MIN * i + MIN for i in range(200)), (), "rate_limit.day", 60 * 60 * 24 - 7 * 60 * 199 - 60),
        ((), tuple(5 * MIN * i + MIN for i in range(10)), "rate_limit.article_hour", 60 * 60 - 46 * 60),
        ((), tuple(5 * MIN * i + MIN for i in range(9)), None, None),
    ],
)
def test_limits_and_when_to_retry(
    on_site: tuple[timedelta, ...], on_article: tuple[timedelta, ...], code: str | None, retry_after: int | None
) -> None:
    refused = check_rate_limit(default_rules(), history(on_site=on_site, on_article=on_article), NOW)
    if code is None:
        assert refused is None
    else:
        assert refused is not None
        assert (refused.code, refused.retry_after_seconds) == (code, retry_after)


def test_the_longest_wait_wins() -> None:
    # 5 in the last minute (wait 50 s) and 30 in the last hour (wait almost an hour).
    times = (10 * S, 10 * S, 10 * S, 10 * S, 10 * S, *(2 * MIN * i + 2 * MIN for i in range(25)))
    refused = check_rate_limit(default_rules(), history(on_site=times), NOW)
    assert refused is not None
    assert refused.code == "rate_limit.hour"
    assert refused.retry_after_seconds == 3600 - 50 * 60
    assert (refused.limit, refused.window_seconds) == (30, 3600)


def test_a_limit_can_be_off() -> None:
    times = tuple(S * i for i in range(1, 50))
    off = rules(rate_limits={"per_minute": None, "per_hour": None, "per_day": None, "per_article_per_hour": None})
    assert check_rate_limit(off, history(on_site=times, on_article=times), NOW) is None


def test_a_partial_second_rounds_up() -> None:
    times = tuple(MIN - S / 2 for _ in range(5))
    refused = check_rate_limit(default_rules(), history(on_site=times), NOW)
    assert refused is not None
    assert refused.retry_after_seconds == 1


@pytest.mark.parametrize(
    ("on_site", "on_article", "message"),
    [
        (
            (10 * S,) * 5,
            (),
            "You are posting comments too quickly. You can comment again in 50 seconds.",
        ),
        (
            (),
            (MIN,) * 10,
            "You have posted many comments on this article in the last hour. You can comment here again in 59 minutes.",
        ),
        (
            tuple(20 * H - S * i for i in range(200)),
            (),
            "You have reached today's comment limit on this site. You can comment again in 4 hours.",
        ),
    ],
)
def test_messages_say_when_to_come_back(
    on_site: tuple[timedelta, ...], on_article: tuple[timedelta, ...], message: str
) -> None:
    no_hourly = rules(rate_limits={"per_hour": None})
    refused = check_rate_limit(no_hourly, history(on_site=on_site, on_article=on_article), NOW)
    assert refused is not None
    assert refused.message == message
