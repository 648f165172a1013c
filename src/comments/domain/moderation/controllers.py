"""Moderators' routes: the queue and its counts, claims, decisions (single and bulk), the audit log, stats;
and the readers' report route. Who may call what is in docs/moderation.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.params import JSONBody, QueryParameter

from comments.deps import Limit, PathId, SiteFilter, Slug
from comments.domain.accounts.auth import requires_login
from comments.domain.accounts.deps import Me
from comments.domain.audit import schemas as audit
from comments.domain.audit.deps import AuditLog
from comments.domain.moderation import schemas as s
from comments.domain.moderation.deps import Claims, Decisions, ModerationStats, Queue, Sanctions
from comments.domain.moderation.queue import Sort
from comments.domain.sites.roles import requires_site_moderator, requires_staff

Cursor = Annotated[str | None, QueryParameter(max_length=300)]
"""The queue's and the audit log's: longer than comments.deps.Cursor (a queue cursor holds a score)."""
Label = Annotated[str, QueryParameter(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Score = Annotated[float | None, QueryParameter(ge=0.0, le=1.0)]
Code = Annotated[str | None, QueryParameter(max_length=64)]


class QueueController(Controller):
    """A site's moderators (admins and superadmins included)."""

    path = "/api/v1/sites/{site:str}/moderation"
    tags = ["moderation"]
    guards = [requires_site_moderator]

    @get("/queue", operation_id="ListModerationQueue")
    async def list_queue(
        self,
        site: Slug,
        queue_service: Queue,
        current_user: Me,
        article: Annotated[str | None, QueryParameter(max_length=200)] = None,
        reason: Code = None,
        label: Label = "toxicity",
        min_score: Score = None,
        max_score: Score = None,
        reported: Annotated[bool, QueryParameter()] = False,
        author: Annotated[UUID | None, QueryParameter()] = None,
        sort: Annotated[Sort, QueryParameter()] = "oldest",
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> s.QueuePage:
        """Comments waiting for a decision: held (any reason), flagged, and published ones whose reports
        reached the site's threshold. Sorts: oldest (default), toxicity (the `label` score, highest first),
        reports (most first). Filters: article, reason code, `label` score range, reported only, author."""
        return await queue_service.list_queue(
            site,
            current_user,
            article=article,
            reason=reason,
            label=label,
            min_score=min_score,
            max_score=max_score,
            reported_only=reported,
            author=author,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )

    @get("/queue/counts", operation_id="CountModerationQueue")
    async def count_queue(self, site: Slug, queue_service: Queue) -> s.QueueCounts:
        """How many items wait, in all and per reason (for the tabs)."""
        return await queue_service.counts(site)

    @post("/decisions", operation_id="DecideInBulk", status_code=200)
    async def decide_many(
        self, site: Slug, data: JSONBody[s.BulkDecisionCreate], decision_service: Decisions, current_user: Me
    ) -> s.BulkOutcome:
        """The same decision on up to 100 comments of this site, each with the version you saw; a result
        per comment (200, or the 404/409 it would have had alone)."""
        return await decision_service.decide_many(site, data, current_user)

    @get("/log", operation_id="ListAuditLog")
    async def list_log(
        self,
        site: Slug,
        audit_log_service: AuditLog,
        actor: Annotated[UUID | None, QueryParameter()] = None,
        target_user: Annotated[UUID | None, QueryParameter()] = None,
        comment: Annotated[UUID | None, QueryParameter()] = None,
        action: Code = None,
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> audit.AuditPage:
        """The append-only audit log, newest first. `action` is exact, or a prefix when it ends with a dot."""
        return await audit_log_service.entries(
            site,
            actor=actor,
            target_user=target_user,
            comment=comment,
            action=action,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )

    @get("/stats", operation_id="GetModerationStats")
    async def get_stats(
        self,
        site: Slug,
        moderation_stats_service: ModerationStats,
        since: Annotated[datetime | None, QueryParameter()] = None,
        bucket: Annotated[Literal["hour", "day"] | None, QueryParameter()] = None,
    ) -> s.Stats:
        """Queue depth now and over time, time to decision (median, p90), decisions by reason, and per
        toxicity label the precision and recall of the auto-hold against moderators' decisions."""
        return await moderation_stats_service.stats(site, since=since, bucket=bucket)


class ModeratedCommentController(Controller):
    """Moderators of the comment's site; for anyone else who moderates, the comment does not exist (404)."""

    path = "/api/v1/moderation/comments/{comment_id:uuid}"
    tags = ["moderation"]
    guards = [requires_staff]

    @post("/claim", operation_id="ClaimComment", status_code=200)
    async def claim(
        self, comment_id: PathId, claim_service: Claims, current_user: Me, data: JSONBody[s.ClaimCreate | None] = None
    ) -> s.ClaimView:
        """Work on this comment for `minutes` (default 5, at most 30); claiming again extends your claim.
        409 while another moderator's claim lasts."""
        minutes = data.minutes if data is not None else s.ClaimCreate().minutes
        return await claim_service.claim(comment_id, current_user, minutes)

    @delete("/claim", operation_id="ReleaseClaim", status_code=204)
    async def release(self, comment_id: PathId, claim_service: Claims, current_user: Me) -> None:
        """Give your claim back (admins may release anyone's)."""
        await claim_service.release(comment_id, current_user)

    @post("/decision", operation_id="DecideComment", status_code=200)
    async def decide(
        self, comment_id: PathId, data: JSONBody[s.DecisionCreate], decision_service: Decisions, current_user: Me
    ) -> s.DecisionOutcome:
        """Approve or reject (with a reason code). Send the version you saw: if the comment changed since,
        409 with its current state. Repeating your own decision changes nothing and answers 200."""
        return await decision_service.decide(comment_id, data, current_user)


class SanctionController(Controller):
    """A site's moderators sanction readers on that site."""

    path = "/api/v1/sites/{site:str}/users/{user_id:uuid}/sanctions"
    tags = ["moderation"]
    guards = [requires_site_moderator]

    @get("/", operation_id="ListSanctions")
    async def list_sanctions(self, site: Slug, user_id: PathId, sanction_service: Sanctions) -> s.SanctionList:
        """The user's sanctions on this site, newest first, lifted ones included."""
        return await sanction_service.list_for_user(site, user_id)

    @post("/", operation_id="CreateSanction")
    async def create_sanction(
        self,
        site: Slug,
        user_id: PathId,
        data: JSONBody[s.SanctionCreate],
        sanction_service: Sanctions,
        current_user: Me,
    ) -> s.Sanction:
        """Warn (they must acknowledge before posting again), suspend (until, or duration_hours) or ban.
        `reject_held` also rejects every comment of theirs waiting in the queue."""
        return await sanction_service.sanction(site, user_id, data, current_user)

    @post("/{sanction_id:uuid}/lift", operation_id="LiftSanction", status_code=200)
    async def lift_sanction(
        self,
        site: Slug,
        user_id: PathId,
        sanction_id: PathId,
        sanction_service: Sanctions,
        current_user: Me,
        data: JSONBody[s.SanctionLift | None] = None,
    ) -> s.Sanction:
        """End a sanction now. The record stays."""
        return await sanction_service.lift(site, user_id, sanction_id, data or s.SanctionLift(), current_user)


class MySanctionController(Controller):
    """The logged-in reader's own sanctions."""

    path = "/api/v1/me/sanctions"
    tags = ["accounts"]
    guards = [requires_login]

    @get("/", operation_id="ListMySanctions")
    async def list_mine(
        self, sanction_service: Sanctions, current_user: Me, site: SiteFilter = None
    ) -> s.MySanctionList:
        """Your warnings, suspensions and bans (on `site`, or everywhere), with the moderators' reasons."""
        return await sanction_service.mine(current_user, site)

    @post("/{sanction_id:uuid}/acknowledge", operation_id="AcknowledgeWarning", status_code=200)
    async def acknowledge(self, sanction_id: PathId, sanction_service: Sanctions, current_user: Me) -> s.MySanction:
        """Acknowledge a warning: you may comment again."""
        return await sanction_service.acknowledge(current_user, sanction_id)
