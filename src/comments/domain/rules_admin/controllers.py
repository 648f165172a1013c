from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, post, put
from litestar.params import HeaderParameter, JSONBody

from comments.deps import Cursor, Limit
from comments.domain.accounts.deps import Me
from comments.domain.rules_admin import payloads as p
from comments.domain.rules_admin.deps import Rules
from comments.domain.sites.deps import PathArticle, PathSite, Sites
from comments.domain.sites.roles import requires_site_admin
from comments.errors import InvalidInput

IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", max_length=40)]


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise InvalidInput(
            'If-Match takes the rules version you loaded, e.g. If-Match: "3".',
            errors=[{"pointer": "/headers/If-Match", "message": "Use the version number."}],
        ) from exc


class RulesController(Controller):
    """Site admins (and superadmins) configure posting rules."""

    path = "/api/v1/sites/{site:str}"
    tags = ["rules"]
    guards = [requires_site_admin]

    @get("/rules", operation_id="GetRules")
    async def get_rules(self, path_site: PathSite, rules_service: Rules) -> p.SiteRules:
        """The site's whole rule set (defaults included) and its version."""
        return rules_service.describe(path_site)

    @put("/rules", operation_id="PutRules")
    async def put_rules(
        self,
        data: JSONBody[dict[str, Any]],
        path_site: PathSite,
        rules_service: Rules,
        current_user: Me,
        if_match: IfMatch = None,
    ) -> p.SiteRules:
        """Replace the rule set (missing fields take their defaults). 422 lists every problem with a JSON
        pointer; with If-Match, a stale version is a 409."""
        return await rules_service.replace(path_site, data, current_user, _expected_version(if_match))

    @get("/rules/history", operation_id="GetRulesHistory")
    async def get_history(
        self, path_site: PathSite, rules_service: Rules, cursor: Cursor = None, limit: Limit = 20
    ) -> p.History:
        """Every change to the site's and its articles' rules: who, when, before and after; newest first."""
        return await rules_service.history(path_site, cursor=cursor, limit=limit)

    @post("/rules/dry-run", operation_id="DryRunRules", status_code=200)
    async def dry_run(
        self, data: JSONBody[p.DryRun], path_site: PathSite, site_service: Sites, rules_service: Rules
    ) -> p.DryRunResult:
        """What would happen to a comment under the current or a proposed rule set. Stores nothing."""
        article = await site_service.get_article(path_site, data.article) if data.article else None
        return await rules_service.dry_run(path_site, article, data)

    @post("/rules/backtest", operation_id="BacktestRules", status_code=200)
    async def backtest(self, data: JSONBody[p.Backtest], path_site: PathSite, rules_service: Rules) -> p.BacktestResult:
        """Replay a proposed rule set over the site's recent comments and compare with what happened."""
        return await rules_service.backtest(path_site, data)

    @get("/articles/{article:str}/rules", operation_id="GetArticleRules")
    async def get_article_rules(
        self, path_site: PathSite, path_article: PathArticle, rules_service: Rules
    ) -> p.ArticleRules:
        """An article's override and the effective rules for it."""
        return rules_service.describe_article(path_site, path_article)

    @put("/articles/{article:str}/rules", operation_id="PutArticleRules")
    async def put_article_rules(
        self,
        data: JSONBody[dict[str, Any]],
        path_site: PathSite,
        path_article: PathArticle,
        rules_service: Rules,
        current_user: Me,
    ) -> p.ArticleRules:
        """Set an article's override: a JSON merge patch over the site's rules (e.g. a sensitive story)."""
        return await rules_service.set_override(path_site, path_article, data, current_user)

    @delete("/articles/{article:str}/rules", operation_id="DeleteArticleRules", status_code=200)
    async def delete_article_rules(
        self, path_site: PathSite, path_article: PathArticle, rules_service: Rules, current_user: Me
    ) -> p.ArticleRules:
        """Remove an article's override: it follows the site's rules again."""
        return await rules_service.set_override(path_site, path_article, None, current_user)
