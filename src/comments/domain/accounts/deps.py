"""Providers for the accounts package's services."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import AppSettings, DbSession
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.services import CurrentUser, UserService


async def provide_passwords(state: State) -> Passwords:
    return state.passwords


async def provide_users_service(
    db_session: DbSession, settings: AppSettings, passwords: NamedDependency[Passwords]
) -> UserService:
    return UserService(session=db_session, settings=settings, passwords=passwords)


async def provide_current_user(request: Request[Any, Any, Any]) -> CurrentUser | None:
    """The caller (None when anonymous): guarded routes name it instead of reading request.user."""
    return request.user if isinstance(request.user, CurrentUser) else None


Users = NamedDependency[UserService]
Me = NamedDependency[CurrentUser]


def dependencies() -> dict[str, Any]:
    return {
        "passwords": Provide(provide_passwords),
        "users_service": Provide(provide_users_service),
        "current_user": Provide(provide_current_user),
    }
