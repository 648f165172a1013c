"""Guards for site staff: the site comes from the route's `{site}` path parameter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from comments.db import Membership, Role, Site
from comments.db.engine import request_session
from comments.domain.accounts.services import CurrentUser
from comments.errors import Forbidden, NoSuchSite, Unauthenticated

RANK = {Role.MODERATOR: 1, Role.ADMIN: 2}
"""An admin is also a moderator."""

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def requires_site_role(role: Role) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.user
        if not isinstance(user, CurrentUser):
            raise Unauthenticated("Log in to do this.")
        slug = connection.path_params.get("site")
        session = request_session(connection)
        site_id = await session.scalar(select(Site.id).where(Site.slug == slug))
        if site_id is None:
            raise NoSuchSite(slug)
        if user.is_superadmin:
            return
        held = await session.scalar(
            select(Membership.role).where(Membership.user_id == user.id, Membership.site_id == site_id)
        )
        if held is None or RANK[Role(held)] < RANK[role]:
            raise Forbidden(f"Only this site's {role}s can do this.")

    return guard


requires_site_admin = requires_site_role(Role.ADMIN)
requires_site_moderator = requires_site_role(Role.MODERATOR)
