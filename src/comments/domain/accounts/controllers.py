from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody

from comments.db import SessionToken, User
from comments.deps import PathId
from comments.domain.accounts import schemas as s
from comments.domain.accounts.auth import requires_login
from comments.domain.accounts.deps import AccountSessions, Me, MyData, Recovery, RequestOrigin, SiteRow, Sso, Users


def _session(token: str, session: SessionToken, user: User) -> s.Session:
    """The answer to a login by any means: the bearer token (shown this once), its expiry, the account."""
    return s.Session(token=token, expires_at=session.expires_at, user=s.User.of(user))


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/register", operation_id="Register")
    async def register(
        self, data: JSONBody[s.Credentials], user_service: Users, site_row: SiteRow, request_origin: RequestOrigin
    ) -> s.Session:
        """Create an account and log in. Passwords need at least 10 characters. A verification mail goes
        to the address (in the language of `site`, if given, with a link back to it)."""
        token, session, user = await user_service.register(
            data.email,
            data.password,
            site=site_row,
            network=request_origin.network,
            client=request_origin.agent,
        )
        return _session(token, session, user)

    @post("/login", operation_id="Login", status_code=200)
    async def login(
        self, data: JSONBody[s.Credentials], user_service: Users, request_origin: RequestOrigin
    ) -> s.Session:
        """Log in. Failed attempts are throttled per account and per address (429 with Retry-After)."""
        token, session, user = await user_service.login(
            data.email, data.password, request_origin.address, client=request_origin.agent
        )
        return _session(token, session, user)

    @post("/logout", operation_id="Logout", status_code=204, guards=[requires_login])
    async def logout(self, user_service: Users, current_user: Me) -> None:
        """Revoke the session token used for this request."""
        await user_service.logout(current_user)

    @post("/verify-email", operation_id="VerifyEmail", status_code=200)
    async def verify_email(self, data: JSONBody[s.VerifyEmailBody], recovery_service: Recovery) -> s.Accepted:
        """Confirm the address with the token from the verification mail (single use, expires)."""
        await recovery_service.verify_email(data.token)
        return s.Accepted(message="Your email address is confirmed.")

    @post("/password-reset", operation_id="RequestPasswordReset", status_code=202)
    async def request_password_reset(
        self,
        data: JSONBody[s.ResetRequestBody],
        recovery_service: Recovery,
        site_row: SiteRow,
        request_origin: RequestOrigin,
    ) -> s.Accepted:
        """Mail a reset link if an account uses this address. The answer is the same, and takes the same
        time, whether or not one does. Throttled per network (429) and per account."""
        await recovery_service.request_reset(data.email, request_origin.address, site_row)
        return s.Accepted(message="If an account uses this address, we sent it a link to choose a new password.")

    @post("/password-reset/complete", operation_id="ResetPassword", status_code=200)
    async def reset_password(
        self, data: JSONBody[s.ResetPasswordBody], recovery_service: Recovery, site_row: SiteRow
    ) -> s.Accepted:
        """Choose a new password with the token from the reset mail. Every session of the account ends."""
        await recovery_service.reset_password(data.token, data.password, site_row)
        return s.Accepted(message="Your password is changed. Log in with the new one.")

    @post("/sso", operation_id="SsoLogin", status_code=200)
    async def sso_login(
        self, data: JSONBody[s.SsoLoginBody], sso_service: Sso, user_service: Users, request_origin: RequestOrigin
    ) -> s.Session:
        """Log in with a token the publisher's server signed for its logged-in subscriber (docs/embedding.md).
        A wrong signature, site or time is a 401."""
        site_row = await user_service.site(data.site)
        token, session, user = await sso_service.login(
            site_row, data.token, network=request_origin.network, client=request_origin.agent
        )
        return _session(token, session, user)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]
    guards = [requires_login]

    @get("/", operation_id="GetMe")
    async def get_me(self, user_service: Users, current_user: Me, site_row: SiteRow) -> s.Me:
        """The reader's account and personal details; with ?site=, whether they may comment there."""
        return await user_service.describe(current_user.id, site_row)

    @patch("/profile", operation_id="UpdateProfile")
    async def update_profile(
        self, data: JSONBody[s.ProfileUpdate], user_service: Users, current_user: Me, site_row: SiteRow
    ) -> s.Me:
        """Change personal details. `accepted_rules_version` needs ?site= (guidelines are per site)."""
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        await user_service.update_profile(current_user.id, values, site=site_row)
        return await user_service.describe(current_user.id, site_row)

    @post("/email/verification", operation_id="SendVerificationEmail", status_code=202)
    async def send_verification(self, recovery_service: Recovery, current_user: Me, site_row: SiteRow) -> s.Accepted:
        """Send the verification mail again (a few per hour)."""
        await recovery_service.send_verification(current_user.id, site_row)
        return s.Accepted(message="We sent you a mail with a confirmation link, unless your address is confirmed.")

    @post("/password", operation_id="ChangePassword", status_code=204)
    async def change_password(
        self,
        data: JSONBody[s.PasswordChange],
        account_session_service: AccountSessions,
        current_user: Me,
        site_row: SiteRow,
        request_origin: RequestOrigin,
    ) -> None:
        """Change the password (the current one is needed). Every other session of the account ends."""
        await account_session_service.change_password(
            current_user.id,
            current_user.token_hash,
            data.current_password,
            data.new_password,
            request_origin.address,
            site_row,
        )

    @post("/email", operation_id="ChangeEmail", status_code=200)
    async def change_email(
        self,
        data: JSONBody[s.EmailChange],
        account_session_service: AccountSessions,
        current_user: Me,
        site_row: SiteRow,
        request_origin: RequestOrigin,
    ) -> s.User:
        """Change the account's email address (the password is needed). The new address gets a verification
        mail and is unverified until its link is followed; the old address is told of the change."""
        user = await account_session_service.change_email(
            current_user.id, data.email, data.password, request_origin.address, site_row
        )
        return s.User.of(user)

    @get("/sessions", operation_id="ListSessions")
    async def list_sessions(self, account_session_service: AccountSessions, current_user: Me) -> s.Sessions:
        """Where the account is logged in: when each session opened and was last used, and from which
        network (coarse: a /24 or /48, never the address)."""
        return s.Sessions(
            sessions=await account_session_service.list_sessions(current_user.id, current_user.token_hash)
        )

    @delete("/sessions/{session_id:uuid}", operation_id="RevokeSession", status_code=204)
    async def revoke_session(
        self, session_id: PathId, account_session_service: AccountSessions, current_user: Me
    ) -> None:
        """End one of your sessions (another reader's is a 404)."""
        await account_session_service.revoke(current_user.id, session_id)

    @post("/sessions/logout-everywhere", operation_id="LogoutEverywhere", status_code=204)
    async def logout_everywhere(self, account_session_service: AccountSessions, current_user: Me) -> None:
        """End every session of the account, this one included."""
        await account_session_service.logout_everywhere(current_user.id)

    @get("/export", operation_id="ExportMyData")
    async def export_my_data(self, my_data_service: MyData, current_user: Me) -> dict[str, Any]:
        """Everything held about you, as JSON: account, profile, per-site acceptances, comments with their
        status and reasons, reports you made, sanctions, sessions (GDPR Articles 15 and 20)."""
        return await my_data_service.export(current_user.id)

    @post("/delete", operation_id="DeleteMyAccount", status_code=204)
    async def delete_my_account(
        self,
        data: JSONBody[s.AccountDeletion],
        my_data_service: MyData,
        sso_service: Sso,
        user_service: Users,
        current_user: Me,
    ) -> None:
        """Delete your account: confirm with your password, or (single sign-on accounts) a fresh token from
        the publisher with its site. Your comments are removed or kept as "deleted account", as each site
        decided; your name is shown nowhere any more."""
        if data.password is not None:
            await my_data_service.check_password(current_user.id, data.password)
        else:
            site_row = await user_service.site(data.site or "")
            await sso_service.verify_fresh(site_row, data.sso_token or "", current_user.id)
        await my_data_service.delete_account(current_user.id)
