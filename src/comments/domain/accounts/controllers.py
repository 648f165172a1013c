from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import JSONBody, QueryParameter

from comments.domain.accounts import schemas as s
from comments.domain.accounts.auth import client_address, requires_login
from comments.domain.accounts.deps import Me, Users

SiteSlug = Annotated[str | None, QueryParameter(name="site", max_length=64)]


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/register", operation_id="Register")
    async def register(self, data: JSONBody[s.Credentials], users_service: Users) -> s.Session:
        """Create an account and log in. Passwords need at least 10 characters."""
        token, session, user = await users_service.register(data.email, data.password)
        return s.Session(token=token, expires_at=session.expires_at, user=s.User.of(user))

    @post("/login", operation_id="Login", status_code=200)
    async def login(
        self, data: JSONBody[s.Credentials], users_service: Users, request: Request[Any, Any, Any]
    ) -> s.Session:
        """Log in. Failed attempts are throttled per account and per address (429 with Retry-After)."""
        token, session, user = await users_service.login(data.email, data.password, client_address(request))
        return s.Session(token=token, expires_at=session.expires_at, user=s.User.of(user))

    @post("/logout", operation_id="Logout", status_code=204, guards=[requires_login])
    async def logout(self, users_service: Users, current_user: Me) -> None:
        """Revoke the session token used for this request."""
        await users_service.logout(current_user)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]
    guards = [requires_login]

    @get("/", operation_id="GetMe")
    async def get_me(self, users_service: Users, current_user: Me, site: SiteSlug = None) -> s.Me:
        """The reader's account and personal details; with ?site=, whether they may comment there."""
        site_row = await users_service.site(site) if site else None
        return await users_service.describe(current_user.id, site_row)

    @patch("/profile", operation_id="UpdateProfile")
    async def update_profile(
        self, data: JSONBody[s.ProfileUpdate], users_service: Users, current_user: Me, site: SiteSlug = None
    ) -> s.Me:
        """Change personal details. `accepted_rules_version` needs ?site= (guidelines are per site)."""
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        site_row = await users_service.site(site) if site else None
        await users_service.update_profile(current_user.id, values, site=site_row)
        site_row = await users_service.site(site) if site else None
        return await users_service.describe(current_user.id, site_row)
