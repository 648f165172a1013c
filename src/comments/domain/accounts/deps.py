"""Providers for the accounts package's services."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import AppSettings, DbSession
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.services import UserService


async def provide_passwords(state: State) -> Passwords:
    return state.passwords


async def provide_users_service(
    db_session: DbSession, settings: AppSettings, passwords: NamedDependency[Passwords]
) -> UserService:
    return UserService(session=db_session, settings=settings, passwords=passwords)


Users = NamedDependency[UserService]


def dependencies() -> dict[str, Any]:
    return {"passwords": Provide(provide_passwords), "users_service": Provide(provide_users_service)}
