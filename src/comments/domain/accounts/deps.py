"""Providers for the accounts package's services, the caller, and the `?site=` an account route names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from comments.db import Site
from comments.deps import SiteFilter, service_providers
from comments.domain.accounts.mydata import MyDataService
from comments.domain.accounts.network import coarse_network
from comments.domain.accounts.recovery import RecoveryService
from comments.domain.accounts.services import CurrentUser, UserService
from comments.domain.accounts.sessions import AccountSessionService
from comments.domain.accounts.sso import SsoService
from comments.netaddr import client_address

Users = NamedDependency[UserService]
Recovery = NamedDependency[RecoveryService]
AccountSessions = NamedDependency[AccountSessionService]
Sso = NamedDependency[SsoService]
MyData = NamedDependency[MyDataService]
Me = NamedDependency[CurrentUser]
Caller = NamedDependency[CurrentUser | None]
"""`current_user` on a route open to anonymous callers too (Me is for logged-in routes only)."""
SiteRow = NamedDependency[Site | None]


async def provide_current_user(request: Request[Any, Any, Any]) -> CurrentUser | None:
    """The caller (None when anonymous): guarded routes name it instead of reading request.user."""
    return request.user if isinstance(request.user, CurrentUser) else None


@dataclass(frozen=True)
class Origin:
    """Where a request comes from, as the account routes throttle and record it."""

    address: str
    """The client's address (behind trusted proxies, the forwarded one: comments.netaddr)."""
    agent: str | None
    """The User-Agent, cut to 120 characters: the session list shows it."""

    @property
    def network(self) -> str:
        """What a session keeps instead of the address (accounts.network)."""
        return coarse_network(self.address)


RequestOrigin = NamedDependency[Origin]


async def provide_origin(request: Request[Any, Any, Any]) -> Origin:
    return Origin(client_address(request), request.headers.get("user-agent", "")[:120] or None)


async def provide_site_row(user_service: Users, site: SiteFilter = None) -> Site | None:
    """The site named by `?site=` (404 if there is none), whose language, links and guidelines an account
    route uses; None without `?site=`."""
    return await user_service.site(site) if site else None


def dependencies() -> dict[str, Any]:
    return {
        # Every account service takes the settings and the password hasher beside the session.
        **service_providers(
            UserService,
            RecoveryService,
            AccountSessionService,
            SsoService,
            MyDataService,
            settings="settings",
            passwords="passwords",
        ),
        "current_user": Provide(provide_current_user),
        "site_row": Provide(provide_site_row),
        "request_origin": Provide(provide_origin),
    }
