"""The rule set in force for a site or an article, decoded from what the site row stores."""

from __future__ import annotations

import msgspec

from comments.db import Article, Site
from comments.domain.rules import RuleSet, effective_rules


def site_rules(site: Site) -> RuleSet:
    # Stored documents were validated when saved; convert() only fills defaults for fields added since.
    return msgspec.convert(site.rules or {}, RuleSet)


def article_rules(site: Site, article: Article) -> RuleSet:
    return effective_rules(site_rules(site), article.rules_override)
