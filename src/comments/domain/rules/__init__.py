"""Posting rules: the rule set document, its validation and article overrides, the pure evaluation engine,
the decision, rate limits and the backtest. No I/O here: the posting pipeline and the admin API call in."""

from comments.domain.rules.backtest import BacktestExample, BacktestRecord, BacktestReport, backtest
from comments.domain.rules.decide import Decision, Reason, Status, decide
from comments.domain.rules.engine import (
    HIT_CODES,
    ArticleContext,
    AuthorHistory,
    CompiledRules,
    Draft,
    Hit,
    compile_rules,
    evaluate,
    thread_auto_closed,
    thread_closes_at,
)
from comments.domain.rules.normalise import fold, normalise
from comments.domain.rules.overrides import effective_rules, merge_patch
from comments.domain.rules.ratelimit import RateLimited, check_rate_limit
from comments.domain.rules.schema import (
    DEFAULT_TOXICITY_THRESHOLDS,
    Action,
    Levels,
    RuleSet,
    default_rules,
    effective_thresholds,
)
from comments.domain.rules.validation import RuleSetInvalid, validate, validate_override

__all__ = [
    "DEFAULT_TOXICITY_THRESHOLDS",
    "HIT_CODES",
    "Action",
    "ArticleContext",
    "AuthorHistory",
    "BacktestExample",
    "BacktestRecord",
    "BacktestReport",
    "CompiledRules",
    "Decision",
    "Draft",
    "Hit",
    "Levels",
    "RateLimited",
    "Reason",
    "RuleSet",
    "RuleSetInvalid",
    "Status",
    "backtest",
    "check_rate_limit",
    "compile_rules",
    "decide",
    "default_rules",
    "effective_rules",
    "effective_thresholds",
    "evaluate",
    "fold",
    "merge_patch",
    "normalise",
    "thread_auto_closed",
    "thread_closes_at",
    "validate",
    "validate_override",
]
