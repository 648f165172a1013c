"""Site staff: admins grant and revoke the moderator and admin roles of their site (the CLI too); every
change is audited with the role before and after."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, select

from comments.db import Membership, Profile, Role, Site, User
from comments.db.lookups import site_by_slug
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record
from comments.domain.sites import schemas as s
from comments.errors import Forbidden, NotFound


class MemberService(Service[Membership]):
    model_type = Membership

    async def list_members(self, slug: str) -> s.MemberList:
        site = await site_by_slug(self.session, slug)
        rows = await self.session.execute(self._members(site).order_by(Membership.created_at, Membership.id))
        return s.MemberList(items=[self._view(*row) for row in rows.all()])

    async def get_member(self, slug: str, user_id: UUID) -> s.Member:
        site = await site_by_slug(self.session, slug)
        return await self._member(site, user_id)

    async def put_member(self, slug: str, user_id: UUID, role: str, admin: CurrentUser) -> s.Member:
        site = await site_by_slug(self.session, slug)
        self._not_self(admin, user_id)
        await self.grant(site, user_id, Role(role), actor_id=admin.id)
        await self.session.commit()
        return await self._member(site, user_id)

    async def delete_member(self, slug: str, user_id: UUID, admin: CurrentUser) -> None:
        site = await site_by_slug(self.session, slug)
        self._not_self(admin, user_id)
        if not await self.revoke(site, user_id, actor_id=admin.id):
            raise NotFound("This user has no role on this site.")
        await self.session.commit()

    # also used by the CLI (actor None); the caller commits

    async def grant(
        self, site: Site, user_id: UUID, role: Role, *, actor_id: UUID | None, note: str | None = None
    ) -> bool:
        """Give `role`; False when the user already had it (nothing changes, nothing is audited)."""
        if await self.session.get(User, user_id) is None:
            raise NotFound("There is no such user.")
        membership = await self._membership(site, user_id)
        before = Role(membership.role) if membership else None
        if before == role:
            return False
        if membership is None:
            self.session.add(Membership(user_id=user_id, site_id=site.id, role=role))
        else:
            membership.role = role
        await self._audited(site, "member.granted", user_id, str(before) if before else None, str(role), actor_id, note)
        return True

    async def revoke(self, site: Site, user_id: UUID, *, actor_id: UUID | None, note: str | None = None) -> bool:
        """Remove the user's role; False when they had none."""
        membership = await self._membership(site, user_id)
        if membership is None:
            return False
        before = str(membership.role)
        await self.session.delete(membership)
        await self._audited(site, "member.revoked", user_id, before, None, actor_id, note)
        return True

    async def _audited(
        self,
        site: Site,
        action: str,
        user_id: UUID,
        before: str | None,
        after: str | None,
        actor_id: UUID | None,
        note: str | None,
    ) -> None:
        await self.session.flush()
        record(
            self.session,
            site_id=site.id,
            action=action,
            actor_id=actor_id,
            target_user_id=user_id,
            before={"role": before},
            after={"role": after},
            note=note,
        )

    def _not_self(self, admin: CurrentUser, user_id: UUID) -> None:
        # An admin who demotes themselves could leave the site without one; another admin must do it.
        if admin.id == user_id and not admin.is_superadmin:
            raise Forbidden("You cannot change your own role; ask another admin.", code="own-role")

    async def _membership(self, site: Site, user_id: UUID) -> Membership | None:
        return await self.session.scalar(
            select(Membership).where(Membership.site_id == site.id, Membership.user_id == user_id)
        )

    def _members(self, site: Site) -> Select[Any]:
        return (
            select(Membership, User.email, Profile.display_name)
            .join(User, User.id == Membership.user_id)
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(Membership.site_id == site.id)
        )

    async def _member(self, site: Site, user_id: UUID) -> s.Member:
        row = (await self.session.execute(self._members(site).where(Membership.user_id == user_id))).one_or_none()
        if row is None:
            raise NotFound("This user has no role on this site.")
        return self._view(*row)

    def _view(self, membership: Membership, email: str, display_name: str | None) -> s.Member:
        return s.Member(
            user_id=membership.user_id,
            email=email,
            display_name=display_name,
            role=str(membership.role),  # type: ignore[arg-type]
            since=membership.created_at,
        )
