"""Routes about people: sanctions (moderators), a reader's own sanctions, site staff (admins)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from comments.deps import Members, Sanctions
from comments.domain.accounts.auth import requires_login
from comments.domain.accounts.services import CurrentUser
from comments.domain.moderation import schemas as s
from comments.domain.moderation.guards import requires_site_admin, requires_site_moderator


class SanctionController(Controller):
    """A site's moderators sanction readers on that site."""

    path = "/api/v1/sites/{site:str}/users/{user_id:uuid}/sanctions"
    tags = ["moderation"]
    guards = [requires_site_moderator]

    @get("/", operation_id="ListSanctions")
    async def list_sanctions(
        self,
        site: FromPath[str],
        user_id: FromPath[UUID],
        sanctions_service: Sanctions,
        request: Request[CurrentUser, Any, Any],
    ) -> s.SanctionList:
        """The user's sanctions on this site, newest first, lifted ones included."""
        return await sanctions_service.list_for_user(site, user_id, request.user)

    @post("/", operation_id="CreateSanction")
    async def create_sanction(
        self,
        site: FromPath[str],
        user_id: FromPath[UUID],
        data: JSONBody[s.SanctionCreate],
        sanctions_service: Sanctions,
        request: Request[CurrentUser, Any, Any],
    ) -> s.Sanction:
        """Warn (they must acknowledge before posting again), suspend (until, or duration_hours) or ban.
        `reject_held` also rejects every comment of theirs waiting in the queue."""
        return await sanctions_service.sanction(site, user_id, data, request.user)

    @post("/{sanction_id:uuid}/lift", operation_id="LiftSanction", status_code=200)
    async def lift_sanction(
        self,
        site: FromPath[str],
        user_id: FromPath[UUID],
        sanction_id: FromPath[UUID],
        sanctions_service: Sanctions,
        request: Request[CurrentUser, Any, Any],
        data: JSONBody[s.SanctionLift | None] = None,
    ) -> s.Sanction:
        """End a sanction now. The record stays."""
        return await sanctions_service.lift(site, user_id, sanction_id, data or s.SanctionLift(), request.user)


class MySanctionController(Controller):
    """The logged-in reader's own sanctions."""

    path = "/api/v1/me/sanctions"
    tags = ["accounts"]
    guards = [requires_login]

    @get("/", operation_id="ListMySanctions")
    async def list_mine(
        self,
        sanctions_service: Sanctions,
        request: Request[CurrentUser, Any, Any],
        site: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> s.MySanctionList:
        """Your warnings, suspensions and bans (on `site`, or everywhere), with the moderators' reasons."""
        return await sanctions_service.mine(request.user, site)

    @post("/{sanction_id:uuid}/acknowledge", operation_id="AcknowledgeWarning", status_code=200)
    async def acknowledge(
        self, sanction_id: FromPath[UUID], sanctions_service: Sanctions, request: Request[CurrentUser, Any, Any]
    ) -> s.MySanction:
        """Acknowledge a warning: you may comment again."""
        return await sanctions_service.acknowledge(request.user, sanction_id)


class MemberController(Controller):
    """A site's admins (and superadmins) manage its moderators and admins."""

    path = "/api/v1/sites/{site:str}/members"
    tags = ["moderation"]
    guards = [requires_site_admin]

    @get("/", operation_id="ListMembers")
    async def list_members(
        self, site: FromPath[str], members_service: Members, request: Request[CurrentUser, Any, Any]
    ) -> s.MemberList:
        return await members_service.list_members(site, request.user)

    @get("/{user_id:uuid}", operation_id="GetMember")
    async def get_member(
        self,
        site: FromPath[str],
        user_id: FromPath[UUID],
        members_service: Members,
        request: Request[CurrentUser, Any, Any],
    ) -> s.Member:
        return await members_service.get_member(site, user_id, request.user)

    @put("/{user_id:uuid}", operation_id="PutMember")
    async def put_member(
        self,
        site: FromPath[str],
        user_id: FromPath[UUID],
        data: JSONBody[s.MemberPut],
        members_service: Members,
        request: Request[CurrentUser, Any, Any],
    ) -> s.Member:
        """Make the user a moderator or an admin of the site (admins cannot change their own role)."""
        return await members_service.put_member(site, user_id, data.role, request.user)

    @delete("/{user_id:uuid}", operation_id="DeleteMember", status_code=204)
    async def delete_member(
        self,
        site: FromPath[str],
        user_id: FromPath[UUID],
        members_service: Members,
        request: Request[CurrentUser, Any, Any],
    ) -> None:
        """Take the user's role on the site away."""
        await members_service.delete_member(site, user_id, request.user)
