"""The rules admin API's work: read and change a site's rule set and an article's override (each change
audited with before and after), dry-run a comment, and backtest a proposed rule set."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import anyio.to_thread
import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import Article, AuditEntry, Comment, CommentStatus, Site, User
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record
from comments.domain.audit.reader import newest_first
from comments.domain.comments.pipeline import ToxicityScorer, author_history, check_rate, clean_body, judge
from comments.domain.rules.backtest import BacktestRecord, backtest
from comments.domain.rules.engine import AuthorHistory, Draft, compile_rules
from comments.domain.rules.overrides import effective_rules
from comments.domain.rules.schema import RuleSet, default_rules, effective_thresholds
from comments.domain.rules.stored import site_rules
from comments.domain.rules.validation import RuleSetInvalid, validate, validate_override
from comments.domain.rules_admin import payloads as p
from comments.errors import Conflict, DomainError, InvalidInput, NotFound, problem_summary

HISTORY_ACTIONS = ("rules.changed", "article_rules.changed", "article_rules.removed")
DECISION_ACTIONS = {"comment.approved": "approved", "comment.rejected": "rejected"}


def _invalid(exc: RuleSetInvalid) -> InvalidInput:
    return InvalidInput(f"The rule set has {len(exc.errors)} problem(s).", errors=exc.errors)


def _stored(rules: RuleSet) -> dict[str, Any]:
    """What the site row keeps: toxicity thresholds only where they differ from the defaults."""
    return msgspec.to_builtins(rules)


def _document(rules: RuleSet) -> dict[str, Any]:
    """What an admin reads: every field, toxicity thresholds as in force (the defaults merged in)."""
    document = msgspec.to_builtins(rules)
    document["toxicity"]["thresholds"] = msgspec.to_builtins(effective_thresholds(rules.toxicity))
    return document


class RulesService:
    def __init__(self, session: AsyncSession, *, scorer: ToxicityScorer | None) -> None:
        self.session = session
        self.scorer = scorer

    # site rules

    def describe(self, site: Site) -> p.SiteRules:
        return p.SiteRules(
            site=site.slug,
            version=site.rules_version,
            rules=_document(site_rules(site)),
            defaults=_document(default_rules()),
            updated_at=site.updated_at,
        )

    async def replace(
        self, site: Site, document: dict[str, Any], actor: CurrentUser, expected_version: int | None
    ) -> p.SiteRules:
        """Validate and store a whole rule set. New posts meet it; stored comments are untouched."""
        if expected_version is not None and expected_version != site.rules_version:
            raise Conflict(
                f"The rules changed since you loaded them (now version {site.rules_version}). Reload and retry.",
                version=site.rules_version,
            )
        try:
            rules = validate(document)
        except RuleSetInvalid as exc:
            raise _invalid(exc) from exc
        # Compile now, off the loop: big word lists take up to a second, which the first post would pay.
        await anyio.to_thread.run_sync(compile_rules, rules)
        before = _stored(site_rules(site))
        after = _stored(rules)
        site.rules = after
        site.rules_version += 1
        record(
            self.session,
            site_id=site.id,
            action="rules.changed",
            actor_id=actor.id,
            before={"version": site.rules_version - 1, "rules": before},
            after={"version": site.rules_version, "rules": after},
        )
        await self.session.commit()
        return self.describe(site)

    # article overrides

    def describe_article(self, site: Site, article: Article) -> p.ArticleRules:
        return p.ArticleRules(
            site=site.slug,
            article=article.external_id,
            override=article.rules_override,
            effective=_document(effective_rules(site_rules(site), article.rules_override)),
        )

    async def set_override(
        self, site: Site, article: Article, override: dict[str, Any] | None, actor: CurrentUser
    ) -> p.ArticleRules:
        """Set (or with None remove) an article's override, checked alone and merged with the site's rules."""
        if override is not None:
            try:
                override = validate_override(override)
                effective_rules(site_rules(site), override)
            except RuleSetInvalid as exc:
                raise _invalid(exc) from exc
        before = article.rules_override
        article.rules_override = override
        record(
            self.session,
            site_id=site.id,
            action="article_rules.changed" if override is not None else "article_rules.removed",
            actor_id=actor.id,
            article_id=article.id,
            before={"override": before},
            after={"override": override},
        )
        await self.session.commit()
        return self.describe_article(site, article)

    async def history(self, site: Site, *, cursor: str | None, limit: int) -> p.History:
        query = (
            select(AuditEntry, User.email, Article.external_id)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .outerjoin(Article, Article.id == AuditEntry.article_id)
            .where(AuditEntry.site_id == site.id, AuditEntry.action.in_(HISTORY_ACTIONS))
        )
        page = await newest_first(self.session, query, cursor, limit)
        items = [
            p.HistoryEntry(
                id=entry.id,
                at=entry.created_at,
                action=entry.action,
                actor=email,
                article=external_id,
                version=(entry.after or {}).get("version"),
                before=entry.before,
                after=entry.after,
            )
            for entry, email, external_id in page.rows
        ]
        return p.History(items=items, next_cursor=page.next_cursor)

    # dry-run and backtest

    async def dry_run(self, site: Site, article: Article | None, data: p.DryRun) -> p.DryRunResult:
        """What would happen to this comment, storing nothing."""
        now = utcnow()
        try:
            if data.rules is not None:
                rules = validate(data.rules)
            else:
                rules = effective_rules(site_rules(site), article.rules_override if article else None)
        except RuleSetInvalid as exc:
            raise _invalid(exc) from exc
        history = await self._history_for(site, article, data.author or p.DryRunAuthor(), rules, now)
        refused = None
        body = data.body.strip()
        try:
            check_rate(rules, history, now)
            body = clean_body(data.body, rules)
        except DomainError as gate:
            refused = problem_summary(gate)
        verdict = await judge(rules, Draft(body=body, depth=data.parent_depth + 1), history, now, self.scorer)

        def hit(code: str, action: str, message: str, detail: dict[str, Any]) -> p.DryRunHit:
            return p.DryRunHit(code=code, action=action, message=message, detail=detail)

        return p.DryRunResult(
            decision="refused" if refused else verdict.decision.status,
            flagged=verdict.decision.flagged,
            reasons=[hit(r.code, r.action, r.message, r.detail) for r in verdict.decision.reasons],
            hits=[hit(h.code, h.action, h.message, h.detail) for h in verdict.hits],
            scores=verdict.scores,
            model=verdict.model,
            refused=refused,
        )

    async def _history_for(
        self, site: Site, article: Article | None, author: p.DryRunAuthor, rules: RuleSet, now: datetime
    ) -> AuthorHistory:
        if author.user_id is None:
            return AuthorHistory(
                account_created_at=now - timedelta(seconds=author.account_age_seconds),
                approved_on_site=author.approved_on_site,
                recent_on_site=(),
                recent_on_article=(),
                recent_bodies=(),
            )
        user = await self.session.get(User, author.user_id)
        if user is None:
            raise NotFound("There is no such user.")
        return await author_history(self.session, user.id, user.created_at, site, article, now, rules)

    async def backtest(self, site: Site, data: p.Backtest) -> p.BacktestResult:
        """Replay a proposed rule set over the site's most recent comments (stored scores, no re-scoring)."""
        try:
            rules = validate(data.rules)
        except RuleSetInvalid as exc:
            raise _invalid(exc) from exc
        started = time.perf_counter()
        records = await self._records(site, data.since, data.limit)
        report = await anyio.to_thread.run_sync(backtest, rules, records)
        return p.BacktestResult(
            site=site.slug,
            since=data.since,
            replayed=len(records),
            seconds=time.perf_counter() - started,
            report=report,
        )

    async def _records(self, site: Site, since: datetime | None, limit: int) -> list[BacktestRecord]:
        """The site's `limit` most recent scored comments, oldest first, each with its author's count of
        published comments before it (counted here in one pass rather than by a window function, which
        made the database sort every comment of the site)."""
        query = select(
            Comment.id,
            Comment.body,
            Comment.depth,
            Comment.created_at,
            Comment.scores,
            Comment.auto_status,
            Comment.status,
            Comment.author_id,
        ).where(Comment.site_id == site.id, Comment.auto_status.is_not(None))
        if since is not None:
            query = query.where(Comment.created_at >= since)
        rows = (await self.session.execute(query.order_by(Comment.created_at.desc()).limit(limit))).all()
        rows.reverse()
        published = await self._published_before(site, rows[0].created_at) if rows else {}
        # Account ages by author, fetched once per author rather than joined onto every comment.
        commenters = select(Comment.author_id).where(Comment.site_id == site.id).distinct()
        account_created = dict(
            (await self.session.execute(select(User.id, User.created_at).where(User.id.in_(commenters)))).tuples().all()
        )
        decisions = await self._moderator_decisions(site, since)
        records = []
        for row in rows:
            records.append(
                BacktestRecord(
                    id=str(row.id),
                    body=row.body,
                    depth=row.depth,
                    created_at=row.created_at,
                    scores=row.scores,
                    original_status=str(row.auto_status),  # type: ignore[arg-type]
                    moderator_decision=decisions.get(row.id),  # type: ignore[arg-type]
                    account_created_at=account_created[row.author_id],
                    approved_on_site=published.get(row.author_id, 0),
                    author_id=str(row.author_id),
                )
            )
            if row.status == CommentStatus.PUBLISHED:
                published[row.author_id] = published.get(row.author_id, 0) + 1
        return records

    async def _published_before(self, site: Site, cutoff: datetime) -> dict[UUID, int]:
        rows = await self.session.execute(
            select(Comment.author_id, func.count())
            .where(
                Comment.site_id == site.id,
                Comment.status == CommentStatus.PUBLISHED,
                Comment.created_at < cutoff,
            )
            .group_by(Comment.author_id)
        )
        return dict(rows.all())

    async def _moderator_decisions(self, site: Site, since: datetime | None) -> dict[UUID, str]:
        """The latest moderator decision per comment, from the audit log."""
        query = select(AuditEntry.comment_id, AuditEntry.action).where(
            AuditEntry.site_id == site.id, AuditEntry.action.in_(DECISION_ACTIONS)
        )
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        rows = await self.session.execute(query.order_by(AuditEntry.created_at, AuditEntry.id))
        return {comment_id: DECISION_ACTIONS[action] for comment_id, action in rows.all()}
