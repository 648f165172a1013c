"""The DSA routes: notices (anyone), statements and appeals (their recipients), the moderators' notice and
appeal tabs, and the admins' transparency report and Transparency Database export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from comments.deps import Limit, PathId, SiteFilter, Slug
from comments.domain.accounts.auth import client_address, requires_login
from comments.domain.accounts.deps import Me
from comments.domain.accounts.services import CurrentUser
from comments.domain.compliance import schemas as s
from comments.domain.compliance.deps import Appeals, Notices, Statements, Transparency
from comments.domain.compliance.report import report_csv
from comments.domain.sites.roles import requires_site_admin, requires_site_moderator

Offset = Annotated[int, QueryParameter(ge=0, le=100_000)]
TabStatus = Annotated[Literal["open", "decided", "all"], QueryParameter()]
Moment = Annotated[datetime | None, QueryParameter()]


def _start_of_year() -> datetime:
    now = datetime.now(UTC)
    return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _aware(moment: datetime | None, default: datetime) -> datetime:
    moment = moment or default
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class NoticeController(Controller):
    """Art. 16: anyone, logged in or not, may notify a comment as illegal."""

    path = "/api/v1/notices"
    tags = ["dsa"]

    @post("/", operation_id="SubmitNotice")
    async def submit_notice(
        self,
        data: JSONBody[s.NoticeCreate],
        notices_service: Notices,
        request: Request[Any, Any, Any],
    ) -> s.NoticeReceipt:
        """Notify a comment as illegal. `bona_fide` must be true (422 otherwise). Rate-limited per address."""
        # Open to anonymous callers: `current_user` (Me) is for logged-in routes only.
        user = request.user if isinstance(request.user, CurrentUser) else None
        return await notices_service.submit(data, user, client_address(request))


class NoticeTabController(Controller):
    """The moderators' notices tab, separate from readers' reports."""

    path = "/api/v1/sites/{site:str}/moderation"
    tags = ["dsa"]
    guards = [requires_site_moderator]

    @get("/notices", operation_id="ListNotices")
    async def list_notices(
        self,
        site: Slug,
        notices_service: Notices,
        current_user: Me,
        status: TabStatus = "open",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> s.NoticeList:
        """Notices of the site (open ones oldest first), with the time since receipt."""
        return await notices_service.list_notices(site, current_user, status, limit, offset)

    @get("/appeals", operation_id="ListAppeals")
    async def list_appeals(
        self,
        site: Slug,
        appeals_service: Appeals,
        current_user: Me,
        status: TabStatus = "open",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> s.AppealList:
        """Appeals against the site's decisions (open ones oldest first)."""
        return await appeals_service.list_appeals(site, current_user, status, limit, offset)


class NoticeDecisionController(Controller):
    path = "/api/v1/moderation/notices/{notice_id:uuid}"
    tags = ["dsa"]
    guards = [requires_login]

    @post("/decision", operation_id="DecideNotice", status_code=200)
    async def decide_notice(
        self,
        notice_id: PathId,
        data: JSONBody[s.NoticeDecisionCreate],
        notices_service: Notices,
        current_user: Me,
    ) -> s.Notice:
        """Remove, restrict or keep the comment; the notifier is told, the author gets a statement of reasons."""
        return await notices_service.decide(notice_id, data, current_user)

    @post("/suspend-notifier", operation_id="SuspendNotifier", status_code=201)
    async def suspend_notifier(
        self,
        notice_id: PathId,
        data: JSONBody[s.NotifierSuspensionCreate],
        notices_service: Notices,
        current_user: Me,
    ) -> s.NotifierSuspension:
        """Art. 23: stop processing notices from this notice's sender, if they often sent unfounded ones."""
        return await notices_service.suspend_notifier(notice_id, data, current_user)


class StatementController(Controller):
    tags = ["dsa"]
    guards = [requires_login]

    @get("/api/v1/statements/{statement_id:uuid}", operation_id="GetStatementOfReasons")
    async def get_statement(
        self, statement_id: PathId, statements_service: Statements, current_user: Me
    ) -> s.StatementOfReasons:
        """A statement of reasons, for its recipient and the site's staff."""
        return await statements_service.get_statement(statement_id, current_user)

    @get("/api/v1/me/statements", operation_id="ListMyStatements")
    async def list_my_statements(
        self,
        statements_service: Statements,
        current_user: Me,
        site: SiteFilter = None,
        comment_id: Annotated[UUID | None, QueryParameter()] = None,
    ) -> s.StatementList:
        """The statements of reasons addressed to you, newest first."""
        return await statements_service.mine(current_user, site, comment_id)


class AppealController(Controller):
    tags = ["dsa"]
    guards = [requires_login]

    @post("/api/v1/appeals", operation_id="AppealDecision")
    async def appeal_decision(
        self, data: JSONBody[s.AppealCreate], appeals_service: Appeals, current_user: Me
    ) -> s.Appeal:
        """Appeal the latest decision on your comment (comment_id) or a statement's decision (statement_id)."""
        return await appeals_service.appeal(data, current_user)

    @post("/api/v1/moderation/appeals/{appeal_id:uuid}/decision", operation_id="DecideAppeal", status_code=200)
    async def decide_appeal(
        self,
        appeal_id: PathId,
        data: JSONBody[s.AppealDecisionCreate],
        appeals_service: Appeals,
        current_user: Me,
    ) -> s.Appeal:
        """Uphold or reverse; someone other than the original decider (403 otherwise)."""
        return await appeals_service.decide(appeal_id, data, current_user)


class TransparencyController(Controller):
    path = "/api/v1/sites/{site:str}"
    tags = ["dsa"]
    guards = [requires_site_admin]

    @get("/transparency-report", operation_id="TransparencyReport")
    async def transparency_report(
        self,
        site: Slug,
        transparency_service: Transparency,
        current_user: Me,
        start: Moment = None,
        end: Moment = None,
        format: Annotated[Literal["json", "csv"], QueryParameter()] = "json",
    ) -> Response[Any]:
        """Figures for the period [start, end) (default: this year so far), as JSON or CSV."""
        report = await transparency_service.report(
            site, current_user, _aware(start, _start_of_year()), _aware(end, datetime.now(UTC))
        )
        if format == "csv":
            return Response(
                report_csv(report),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="transparency-{site}.csv"'},
            )
        return Response(report)

    @get("/statements-of-reasons/export", operation_id="ExportStatementsOfReasons")
    async def export_statements(
        self,
        site: Slug,
        transparency_service: Transparency,
        current_user: Me,
        start: Moment = None,
        end: Moment = None,
    ) -> dict[str, Any]:
        """The period's statements in the EU Transparency Database's format (docs/dsa.md)."""
        return await transparency_service.export(
            site, current_user, _aware(start, _start_of_year()), _aware(end, datetime.now(UTC))
        )


API_CONTROLLERS = [
    NoticeController,
    NoticeTabController,
    NoticeDecisionController,
    StatementController,
    AppealController,
    TransparencyController,
]
