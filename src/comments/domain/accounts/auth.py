"""Bearer-token authentication middleware and the guards built on it."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from comments.db.engine import request_session
from comments.domain.accounts.network import coarse_network
from comments.domain.accounts.services import CurrentUser, authenticate
from comments.errors import Unauthenticated
from comments.netaddr import client_address

__all__ = ["BearerTokenMiddleware", "client_address", "requires_login"]


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Sets connection.user to a CurrentUser, or None for anonymous requests. A bad token is a 401, not
    anonymity: a reader whose session expired must learn it rather than see a logged-out page silently."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if not header:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
            raise Unauthenticated("Send the session token as 'Authorization: Bearer <token>'.")
        network = coarse_network(client_address(connection))
        user = await authenticate(request_session(connection), token.strip(), network)
        if user is None:
            raise Unauthenticated("Your session has expired or was logged out. Log in again.", code="session-expired")
        return AuthenticationResult(user=user, auth=token)


def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not isinstance(connection.user, CurrentUser):
        raise Unauthenticated("Log in to do this.")
