"""The rule set in force for a site or an article, decoded from what the site row stores."""

from __future__ import annotations

from datetime import datetime

import msgspec

from comments.db import Article, Site
from comments.domain.rules import ArticleContext, RuleSet, effective_rules
from comments.domain.rules import thread_closes_at as rules_closes_at


def site_rules(site: Site) -> RuleSet:
    # Stored documents were validated when saved; convert() only fills defaults for fields added since.
    return msgspec.convert(site.rules or {}, RuleSet)


def article_rules(site: Site, article: Article) -> RuleSet:
    return effective_rules(site_rules(site), article.rules_override)


def thread_closes_at(article: Article, rules: RuleSet) -> datetime | None:
    """When the thread closes: by hand (closed_at) or by the rules' auto-close, whichever comes first."""
    automatic = rules_closes_at(rules, ArticleContext(article.created_at, article.first_comment_at))
    return min((t for t in (article.closed_at, automatic) if t is not None), default=None)
