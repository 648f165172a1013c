"""Providers for the accounts package's services."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import AppSettings, DbSession
from comments.domain.accounts.mydata import MyDataService
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.recovery import RecoveryService
from comments.domain.accounts.services import CurrentUser, UserService
from comments.domain.accounts.sessions import SessionService
from comments.domain.accounts.sso import SsoService


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
        **{name: Provide(_account_provider(service)) for name, service in ACCOUNT_SERVICES.items()},
    }


def _account_provider(service: type[Any]) -> Any:
    """The account services beside UserService (recovery, sessions, SSO, my data) all take these three."""

    async def provide(db_session: DbSession, settings: AppSettings, passwords: NamedDependency[Passwords]) -> Any:
        return service(db_session, settings=settings, passwords=passwords)

    return provide


ACCOUNT_SERVICES = {
    "recovery_service": RecoveryService,
    "account_sessions_service": SessionService,
    "sso_service": SsoService,
    "my_data_service": MyDataService,
}
Recovery = NamedDependency[RecoveryService]
AccountSessions = NamedDependency[SessionService]
Sso = NamedDependency[SsoService]
MyData = NamedDependency[MyDataService]
