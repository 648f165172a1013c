"""Guards for moderation routes. Routes under /sites/{site} use the sites package's role guards; routes
that name a comment (whose site is only known once it is loaded) let in anyone who moderates some site,
and the service then answers 404 for comments of sites the caller does not moderate, so that a moderator
of one site learns nothing about another."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from comments.db import Membership
from comments.db.engine import request_session
from comments.domain.accounts.services import CurrentUser
from comments.domain.sites.guards import requires_site_admin, requires_site_moderator
from comments.errors import Forbidden, Unauthenticated

__all__ = ["requires_site_admin", "requires_site_moderator", "requires_staff"]


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A moderator or admin of at least one site (or a superadmin)."""
    user = connection.user
    if not isinstance(user, CurrentUser):
        raise Unauthenticated("Log in to do this.")
    if user.is_superadmin:
        return
    session = request_session(connection)
    member = await session.scalar(select(Membership.id).where(Membership.user_id == user.id).limit(1))
    if member is None:
        raise Forbidden("Only moderators can do this.")
