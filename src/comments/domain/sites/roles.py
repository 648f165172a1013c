"""Site roles: the one role check. The caller's memberships come with their session token
(`CurrentUser.memberships`, loaded once per request by the authentication middleware); the guards and
the services that learn the site only from a comment check them here, in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from comments.db import Role, Site
from comments.db.engine import request_session
from comments.domain.accounts.services import CurrentUser
from comments.errors import Forbidden, NoSuchSite, Unauthenticated

RANK = {Role.MODERATOR: 1, Role.ADMIN: 2}
"""An admin is also a moderator."""

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def role_on(user: CurrentUser, site: UUID | str) -> Role | None:
    """The role `user` holds on a site (by id or slug); a superadmin is an admin everywhere."""
    if user.is_superadmin:
        return Role.ADMIN
    for membership in user.memberships:
        if site in (membership.site_id, membership.slug):
            return Role(membership.role)
    return None


def has_role(user: CurrentUser, site: UUID | str, minimum: Role) -> bool:
    role = role_on(user, site)
    return role is not None and RANK[role] >= RANK[minimum]


def _logged_in(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = connection.user
    if not isinstance(user, CurrentUser):
        raise Unauthenticated("Log in to do this.")
    return user


def requires_site_role(role: Role) -> Guard:
    """The caller holds `role` (or better) on the route's `{site}`. An unknown site is a 404 for everyone;
    the site is looked up only to tell 404 from 403, on the refusing path and for superadmins."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = _logged_in(connection)
        slug = connection.path_params.get("site")
        if not user.is_superadmin and has_role(user, slug, role):
            return
        if await request_session(connection).scalar(select(Site.id).where(Site.slug == slug)) is None:
            raise NoSuchSite(slug)
        if not user.is_superadmin:
            raise Forbidden(f"Only this site's {role}s can do this.")

    return guard


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A moderator or admin of at least one site (or a superadmin): for routes that name a comment, whose
    site is known only once it is loaded (the service then checks `has_role` on that site)."""
    user = _logged_in(connection)
    if not user.is_superadmin and not user.memberships:
        raise Forbidden("Only moderators can do this.")


requires_site_admin = requires_site_role(Role.ADMIN)
requires_site_moderator = requires_site_role(Role.MODERATOR)
