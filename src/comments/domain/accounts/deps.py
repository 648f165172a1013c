"""Providers for the accounts package's services, the caller, and the `?site=` an account route names."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from comments.db import Site
from comments.deps import SiteFilter, service_providers
from comments.domain.accounts.mydata import MyDataService
from comments.domain.accounts.recovery import RecoveryService
from comments.domain.accounts.services import CurrentUser, UserService
from comments.domain.accounts.sessions import SessionService
from comments.domain.accounts.sso import SsoService

ACCOUNT_SERVICES = {
    "users_service": UserService,
    "recovery_service": RecoveryService,
    "account_sessions_service": SessionService,
    "sso_service": SsoService,
    "my_data_service": MyDataService,
}
"""Every account service takes the settings and the password hasher beside the session."""


async def provide_current_user(request: Request[Any, Any, Any]) -> CurrentUser | None:
    """The caller (None when anonymous): guarded routes name it instead of reading request.user."""
    return request.user if isinstance(request.user, CurrentUser) else None


async def provide_site_row(users_service: NamedDependency[UserService], site: SiteFilter = None) -> Site | None:
    """The site named by `?site=` (404 if there is none), whose language, links and guidelines an account
    route uses; None without `?site=`."""
    return await users_service.site(site) if site else None


Users = NamedDependency[UserService]
Me = NamedDependency[CurrentUser]
SiteRow = NamedDependency[Site | None]
Recovery = NamedDependency[RecoveryService]
AccountSessions = NamedDependency[SessionService]
Sso = NamedDependency[SsoService]
MyData = NamedDependency[MyDataService]


def dependencies() -> dict[str, Any]:
    return {
        **service_providers(ACCOUNT_SERVICES, settings="settings", passwords="passwords"),
        "current_user": Provide(provide_current_user),
        "site_row": Provide(provide_site_row),
    }
