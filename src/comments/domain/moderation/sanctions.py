"""Sanctions: moderators warn, suspend (until a time) or ban a reader on their site; the posting gate
(comments.pipeline.check_sanctions) enforces them. A warned reader acknowledges the warning to post again.
Sanctions are lifted, never deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final
from uuid import UUID

from sqlalchemy import select

from comments.clock import utcnow
from comments.db import Comment, CommentStatus, Membership, Sanction, SanctionKind, Site, User
from comments.db.lookups import site_by_slug
from comments.db.queries import stamp_once, where_given
from comments.db.service import Service, view
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record
from comments.domain.comments.pipeline import sanction_in_force as is_active
from comments.domain.moderation import schemas as s
from comments.domain.moderation.decisions import decide_as_consequence
from comments.errors import Conflict, Forbidden, InvalidInput, NotFound

AUDIT_ACTIONS: Final = {
    SanctionKind.WARN: "user.warned",
    SanctionKind.SUSPEND: "user.suspended",
    SanctionKind.BAN: "user.banned",
}


def _view(row: Sanction, slug: str, now: datetime, rejected: int = 0) -> s.Sanction:
    active = is_active(row, now)
    return view(s.Sanction, row, site=slug, kind=str(row.kind), active=active, rejected_comments=rejected)


def _until(data: s.SanctionCreate, now: datetime) -> datetime | None:
    if data.kind != "suspend":
        if data.until is not None or data.duration_hours is not None:
            raise InvalidInput(
                "Only suspensions end at a time; a ban lasts until lifted, a warning until acknowledged.",
                errors=[{"pointer": "/until", "message": "Leave out until and duration_hours."}],
            )
        return None
    if (data.until is None) == (data.duration_hours is None):
        raise InvalidInput(
            "Say how long the suspension lasts.",
            errors=[{"pointer": "/until", "message": "Give either until or duration_hours."}],
        )
    until = data.until if data.until is not None else now + timedelta(hours=data.duration_hours or 0)
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    if until <= now:
        raise InvalidInput(
            "A suspension must end in the future.",
            errors=[{"pointer": "/until", "message": "Use a time in the future."}],
        )
    return until


class SanctionService(Service[Sanction]):
    model_type = Sanction

    # moderators

    async def list_for_user(self, slug: str, user_id: UUID) -> s.SanctionList:
        site = await site_by_slug(self.session, slug)
        now = utcnow()
        rows = await self.session.scalars(
            select(Sanction)
            .where(Sanction.site_id == site.id, Sanction.user_id == user_id)
            .order_by(Sanction.created_at.desc(), Sanction.id.desc())
        )
        return s.SanctionList(items=[_view(r, site.slug, now) for r in rows])

    async def sanction(self, slug: str, user_id: UUID, data: s.SanctionCreate, moderator: CurrentUser) -> s.Sanction:
        site = await site_by_slug(self.session, slug)
        now = utcnow()
        until = _until(data, now)
        target = await self.session.get(User, user_id)
        if target is None:
            raise NotFound("There is no such user.")
        if target.is_superadmin or await self._is_staff(user_id, site):
            raise Forbidden("This site's moderators and admins cannot be sanctioned on it.", code="target-is-staff")
        kind = SanctionKind(data.kind)
        row = await self.repository.add(  # flushed: the audit entry names its id
            Sanction(
                user_id=user_id,
                site_id=site.id,
                kind=kind,
                reason=data.reason.strip(),
                until=until,
                created_by=moderator.id,
            ),
            auto_refresh=False,
        )
        record(
            self.session,
            site_id=site.id,
            action=AUDIT_ACTIONS[kind],
            actor_id=moderator.id,
            target_user_id=user_id,
            after={
                "sanction_id": str(row.id),
                "kind": str(kind),
                "until": until.isoformat() if until else None,
                "reject_held": data.reject_held,
            },
            note=row.reason,
        )
        rejected = await self._reject_held(site, user_id, data, moderator) if data.reject_held else 0
        await self.session.commit()
        return _view(row, site.slug, now, rejected)

    async def _reject_held(self, site: Site, user_id: UUID, data: s.SanctionCreate, moderator: CurrentUser) -> int:
        """Reject every held comment of the user on the site, each as its own audited decision."""
        held = list(
            await self.session.scalars(
                select(Comment).where(
                    Comment.site_id == site.id, Comment.author_id == user_id, Comment.status == CommentStatus.HELD
                )
            )
        )
        for comment in held:
            await decide_as_consequence(
                self.session,
                site,
                comment,
                "reject",
                reason_code=data.reject_reason_code,
                note=f"Rejected with the {data.kind}: {data.reason.strip()}",
                user=moderator,
            )
        return len(held)

    async def lift(
        self, slug: str, user_id: UUID, sanction_id: UUID, data: s.SanctionLift, moderator: CurrentUser
    ) -> s.Sanction:
        """End a sanction now (idempotent: lifting a lifted sanction changes nothing)."""
        site = await site_by_slug(self.session, slug)
        row = await self.session.scalar(
            select(Sanction).where(Sanction.id == sanction_id, Sanction.site_id == site.id, Sanction.user_id == user_id)
        )
        if row is None:
            raise NotFound("There is no such sanction.")
        now = utcnow()
        before = {"sanction_id": str(row.id), "kind": str(row.kind), "active": is_active(row, now)}
        await self._stamp(row, "lifted_at", now, "sanction.lifted", moderator, before=before, note=data.note)
        return _view(row, site.slug, now)

    # the sanctioned reader

    async def mine(self, reader: CurrentUser, slug: str | None) -> s.MySanctionList:
        now = utcnow()
        query = (
            select(Sanction, Site.slug)
            .join(Site, Site.id == Sanction.site_id)
            .where(Sanction.user_id == reader.id)
            .order_by(Sanction.created_at.desc(), Sanction.id.desc())
        )
        rows = (await self.session.execute(where_given(query, (Site.slug, slug)))).all()
        return s.MySanctionList(items=[self._mine(row, site_slug, now) for row, site_slug in rows])

    async def acknowledge(self, reader: CurrentUser, sanction_id: UUID) -> s.MySanction:
        """The reader read the warning: they may post again (idempotent)."""
        found = (
            await self.session.execute(
                select(Sanction, Site.slug)
                .join(Site, Site.id == Sanction.site_id)
                .where(Sanction.id == sanction_id, Sanction.user_id == reader.id)
            )
        ).one_or_none()
        if found is None:
            raise NotFound("There is no such sanction.")  # also for other readers' sanctions
        row, site_slug = found
        if row.kind != SanctionKind.WARN:
            raise Conflict("Only warnings are acknowledged; suspensions and bans end on their own or are lifted.")
        now = utcnow()
        await self._stamp(row, "acknowledged_at", now, "sanction.acknowledged", reader)
        return self._mine(row, site_slug, now)

    def _mine(self, row: Sanction, slug: str, now: datetime) -> s.MySanction:
        active = is_active(row, now)
        needs_acknowledgement = active and row.kind == SanctionKind.WARN
        return view(
            s.MySanction, row, site=slug, kind=str(row.kind), active=active, needs_acknowledgement=needs_acknowledgement
        )

    async def _is_staff(self, user_id: UUID, site: Site) -> bool:
        """Whether the sanction's target (not the caller) holds a role on the site."""
        member = await self.session.scalar(
            select(Membership.id).where(Membership.user_id == user_id, Membership.site_id == site.id)
        )
        return member is not None

    async def _stamp(
        self,
        row: Sanction,
        column: str,
        now: datetime,
        action: str,
        actor: CurrentUser,
        *,
        before: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> None:
        """Stamp `column` (lifted_at, acknowledged_at) and audit it, once: a second call, or the loser of
        two concurrent ones, changes nothing (idempotent)."""
        if getattr(row, column) is not None:
            return
        if await stamp_once(self.session, Sanction, row.id, column, now):
            record(
                self.session,
                site_id=row.site_id,
                action=action,
                actor_id=actor.id,
                target_user_id=row.user_id,
                before=before,
                after={"sanction_id": str(row.id), column: now.isoformat()},
                note=note,
            )
        await self.session.commit()
        await self.session.refresh(row)
