from __future__ import annotations

import hashlib
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter

from comments.deps import PathId, Slug
from comments.domain.accounts.auth import requires_login
from comments.domain.accounts.deps import Me, Users
from comments.domain.accounts.services import CurrentUser
from comments.domain.comments import schemas as s
from comments.domain.comments.deps import Comments, Reports
from comments.domain.comments.listing import Sort
from comments.domain.sites.deps import Sites

IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200)]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]


def _with_etag(request: Request[Any, Any, Any], page: s.ThreadPage) -> Response[s.ThreadPage]:
    etag = '"' + hashlib.sha256(msgspec.json.encode(page)).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization"}
    if request.headers.get("if-none-match") == etag:
        return Response(None, status_code=304, headers=headers)  # type: ignore[arg-type]
    return Response(page, headers=headers)


def _viewer(request: Request[Any, Any, Any]) -> UUID | None:
    return request.user.id if isinstance(request.user, CurrentUser) else None


class ThreadController(Controller):
    path = "/api/v1/sites/{site:str}/articles/{article:str}/comments"
    tags = ["comments"]

    @get("/", operation_id="ListComments")
    async def list_comments(
        self,
        site: Slug,
        article: Slug,
        sites_service: Sites,
        comments_service: Comments,
        request: Request[Any, Any, Any],
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        sort: FromQuery[Sort] = "newest",
    ) -> Response[s.ThreadPage]:
        """Top-level comments a page at a time (opaque cursor), replies nested under them. A logged-in
        reader also sees their own held and rejected comments, with the reasons. Answers carry an ETag:
        polling with If-None-Match gets a 304 while nothing changed."""
        site_row, article_row = await sites_service.site_and_article(site, article)
        page = await comments_service.thread(
            site_row, article_row, _viewer(request), cursor=cursor, limit=limit, sort=sort
        )
        return _with_etag(request, page)

    @post("/", operation_id="PostComment", guards=[requires_login], status_code=201)
    async def post_comment(
        self,
        site: Slug,
        article: Slug,
        data: JSONBody[s.CommentCreate],
        sites_service: Sites,
        comments_service: Comments,
        users_service: Users,
        current_user: Me,
        idempotency_key: IdempotencyKey = None,
    ) -> s.PostOutcome:
        """Post a comment or a reply. 201 with the outcome: published, held (with reasons) or rejected.
        Send an Idempotency-Key to make retries safe."""
        site_row, article_row = await sites_service.site_and_article(site, article)
        return await comments_service.post(site_row, article_row, data, current_user, users_service, idempotency_key)


class CommentController(Controller):
    path = "/api/v1/comments/{comment_id:uuid}"
    tags = ["comments"]

    @patch("/", operation_id="EditComment", guards=[requires_login])
    async def edit_comment(
        self,
        comment_id: PathId,
        data: JSONBody[s.CommentUpdate],
        comments_service: Comments,
        users_service: Users,
        current_user: Me,
    ) -> s.PostOutcome:
        """Edit your own comment within the site's edit window; the new text is checked again."""
        return await comments_service.edit(comment_id, data.body, current_user, users_service)

    @delete("/", operation_id="DeleteComment", guards=[requires_login], status_code=204)
    async def delete_comment(self, comment_id: PathId, comments_service: Comments, current_user: Me) -> None:
        """Remove your own comment. Replies stay; it shows as 'comment removed'."""
        await comments_service.delete(comment_id, current_user)

    @get("/replies", operation_id="ListReplies")
    async def list_replies(
        self,
        comment_id: PathId,
        comments_service: Comments,
        sites_service: Sites,
        request: Request[Any, Any, Any],
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> s.RepliesPage:
        """All replies under a top-level comment, oldest first, a page at a time."""
        return await comments_service.replies(comment_id, _viewer(request), cursor=cursor, limit=limit)


class ReportController(Controller):
    """Logged-in readers with complete personal details."""

    path = "/api/v1/comments/{comment_id:uuid}/reports"
    tags = ["comments"]
    guards = [requires_login]

    @post("/", operation_id="ReportComment")
    async def report(
        self,
        comment_id: PathId,
        data: JSONBody[s.ReportCreate],
        reports_service: Reports,
        users_service: Users,
        current_user: Me,
    ) -> s.ReportReceipt:
        """Report a published comment (once per comment; rate-limited, 429 with Retry-After)."""
        return await reports_service.report(comment_id, data, current_user, users_service)
