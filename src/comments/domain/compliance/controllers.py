"""The DSA routes: notices (anyone), statements and appeals (their recipients), the moderators' notice and
appeal tabs, and the admins' transparency report and Transparency Database export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NamedTuple
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from comments.deps import Limit, PathId, SiteFilter, Slug
from comments.domain.accounts.auth import requires_login
from comments.domain.accounts.deps import Caller, Me, RequestOrigin
from comments.domain.compliance import schemas as s
from comments.domain.compliance.deps import Appeals, Notices, Statements, Transparency
from comments.domain.compliance.report import report_csv
from comments.domain.sites.roles import requires_site_admin, requires_site_moderator

Offset = Annotated[int, QueryParameter(ge=0, le=100_000)]
TabStatus = Annotated[Literal["open", "decided", "all"], QueryParameter()]
Moment = Annotated[datetime | None, QueryParameter()]


class Tab(NamedTuple):
    """Which page of a moderators' tab (notices, appeals) to show."""

    status: str
    limit: int
    offset: int


async def provide_tab(status: TabStatus = "open", limit: Limit = 50, offset: Offset = 0) -> Tab:
    return Tab(status, limit, offset)


class Period(NamedTuple):
    """[start, end) of a transparency report or export, timezone-aware."""

    start: datetime
    end: datetime


async def provide_period(start: Moment = None, end: Moment = None) -> Period:
    """Default: this year so far. A moment without a timezone is UTC."""
    now = datetime.now(UTC)
    start = start or now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    end = end or now
    return Period(*(m if m.tzinfo else m.replace(tzinfo=UTC) for m in (start, end)))


class NoticeController(Controller):
    """Art. 16: anyone, logged in or not, may notify a comment as illegal."""

    path = "/api/v1/notices"
    tags = ["dsa"]

    @post("/", operation_id="SubmitNotice")
    async def submit_notice(
        self,
        data: JSONBody[s.NoticeCreate],
        notice_service: Notices,
        current_user: Caller,
        request_origin: RequestOrigin,
    ) -> s.NoticeReceipt:
        """Notify a comment as illegal. `bona_fide` must be true (422 otherwise). Rate-limited per address."""
        return await notice_service.submit(data, current_user, request_origin.address)


class NoticeTabController(Controller):
    """The moderators' notices tab, separate from readers' reports."""

    path = "/api/v1/sites/{site:str}/moderation"
    tags = ["dsa"]
    guards = [requires_site_moderator]
    dependencies = {"tab": Provide(provide_tab)}

    @get("/notices", operation_id="ListNotices")
    async def list_notices(
        self, site: Slug, notice_service: Notices, current_user: Me, tab: NamedDependency[Tab]
    ) -> s.NoticeList:
        """Notices of the site (open ones oldest first), with the time since receipt."""
        return await notice_service.list_notices(site, current_user, tab.status, tab.limit, tab.offset)

    @get("/appeals", operation_id="ListAppeals")
    async def list_appeals(
        self, site: Slug, appeal_service: Appeals, current_user: Me, tab: NamedDependency[Tab]
    ) -> s.AppealList:
        """Appeals against the site's decisions (open ones oldest first)."""
        return await appeal_service.list_appeals(site, current_user, tab.status, tab.limit, tab.offset)


class DsaController(Controller):
    """Logged-in callers: moderators decide notices and appeals (the services check their role on the
    comment's site), recipients read their statements of reasons and appeal."""

    path = "/api/v1"
    tags = ["dsa"]
    guards = [requires_login]

    @post("/moderation/notices/{notice_id:uuid}/decision", operation_id="DecideNotice", status_code=200)
    async def decide_notice(
        self, notice_id: PathId, data: JSONBody[s.NoticeDecisionCreate], notice_service: Notices, current_user: Me
    ) -> s.Notice:
        """Remove, restrict or keep the comment; the notifier is told, the author gets a statement of reasons."""
        return await notice_service.decide(notice_id, data, current_user)

    @post("/moderation/notices/{notice_id:uuid}/suspend-notifier", operation_id="SuspendNotifier", status_code=201)
    async def suspend_notifier(
        self, notice_id: PathId, data: JSONBody[s.NotifierSuspensionCreate], notice_service: Notices, current_user: Me
    ) -> s.NotifierSuspension:
        """Art. 23: stop processing notices from this notice's sender, if they often sent unfounded ones."""
        return await notice_service.suspend_notifier(notice_id, data, current_user)

    @get("/statements/{statement_id:uuid}", operation_id="GetStatementOfReasons")
    async def get_statement(
        self, statement_id: PathId, statement_service: Statements, current_user: Me
    ) -> s.StatementOfReasons:
        """A statement of reasons, for its recipient and the site's staff."""
        return await statement_service.get_statement(statement_id, current_user)

    @get("/me/statements", operation_id="ListMyStatements")
    async def list_my_statements(
        self,
        statement_service: Statements,
        current_user: Me,
        site: SiteFilter = None,
        comment_id: Annotated[UUID | None, QueryParameter()] = None,
    ) -> s.StatementList:
        """The statements of reasons addressed to you, newest first."""
        return await statement_service.mine(current_user, site, comment_id)

    @post("/appeals", operation_id="AppealDecision")
    async def appeal_decision(
        self, data: JSONBody[s.AppealCreate], appeal_service: Appeals, current_user: Me
    ) -> s.Appeal:
        """Appeal the latest decision on your comment (comment_id) or a statement's decision (statement_id)."""
        return await appeal_service.appeal(data, current_user)

    @post("/moderation/appeals/{appeal_id:uuid}/decision", operation_id="DecideAppeal", status_code=200)
    async def decide_appeal(
        self, appeal_id: PathId, data: JSONBody[s.AppealDecisionCreate], appeal_service: Appeals, current_user: Me
    ) -> s.Appeal:
        """Uphold or reverse; someone other than the original decider (403 otherwise)."""
        return await appeal_service.decide(appeal_id, data, current_user)


class TransparencyController(Controller):
    path = "/api/v1/sites/{site:str}"
    tags = ["dsa"]
    guards = [requires_site_admin]
    dependencies = {"period": Provide(provide_period)}

    @get("/transparency-report", operation_id="TransparencyReport")
    async def transparency_report(
        self,
        site: Slug,
        transparency_service: Transparency,
        current_user: Me,
        period: NamedDependency[Period],
        format: Annotated[Literal["json", "csv"], QueryParameter()] = "json",
    ) -> Response[Any]:
        """Figures for the period [start, end) (default: this year so far), as JSON or CSV."""
        report = await transparency_service.report(site, current_user, period.start, period.end)
        if format == "csv":
            return Response(
                report_csv(report),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="transparency-{site}.csv"'},
            )
        return Response(report)

    @get("/statements-of-reasons/export", operation_id="ExportStatementsOfReasons")
    async def export_statements(
        self, site: Slug, transparency_service: Transparency, current_user: Me, period: NamedDependency[Period]
    ) -> dict[str, Any]:
        """The period's statements in the EU Transparency Database's format (docs/dsa.md)."""
        return await transparency_service.export(site, current_user, period.start, period.end)


API_CONTROLLERS = [
    NoticeController,
    NoticeTabController,
    DsaController,
    TransparencyController,
]
