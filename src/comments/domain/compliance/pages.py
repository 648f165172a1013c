"""The standalone notice page (/notice): for notifiers without an account, linked from every comment in the
widget ("Report illegal content"). A shell like the other pages: its script posts to SubmitNotice."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from comments.domain.compliance.categories import CATEGORIES
from comments.domain.web.security import page_headers


class NoticePageController(Controller):
    tags = ["web"]
    include_in_schema = False
    opt = {"exclude_from_auth": True}

    @get("/notice", sync_to_thread=False)
    def notice_page(
        self,
        comment: Annotated[UUID | None, QueryParameter()] = None,
        site: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Template:
        return Template(
            template_name="notice.html",
            context={
                "comment": str(comment) if comment else "",
                "site": site or "",
                "categories": [(key, c.label) for key, c in CATEGORIES.items()],
            },
            headers=page_headers(cache="no-cache"),
            media_type="text/html",
        )

    @get("/moderate/dsa", sync_to_thread=False)
    def dsa_tabs(self) -> Template:
        """The moderators' notices and appeals tabs (ListNotices, DecideNotice, ListAppeals, DecideAppeal)."""
        return Template(
            template_name="dsa.html", context={}, headers=page_headers(cache="no-store"), media_type="text/html"
        )
