from __future__ import annotations

import hashlib
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, Response, delete, get, patch, post
from litestar.params import FromQuery, HeaderParameter, JSONBody

import comments
from comments.caching import public_cache_control
from comments.deps import Cursor, Limit, PathId, Slug
from comments.domain.accounts.auth import requires_login
from comments.domain.accounts.deps import Me
from comments.domain.accounts.services import CurrentUser
from comments.domain.comments import schemas as s
from comments.domain.comments.deps import Comments, Reports, ThreadReadsDep
from comments.domain.comments.listing import Sort
from comments.domain.sites.deps import Sites

IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200)]


def _public_headers(request: Request[Any, Any, Any], version: int) -> dict[str, str]:
    """Anonymous answers: the same for every anonymous reader, so shared caches (a CDN, nginx) may keep
    them for max-age seconds. The ETag is the article's version (no hashing); the only credential this
    service reads is the Authorization header, so that is what the answer varies on."""
    cache = public_cache_control(request.app.state.settings)
    return {"ETag": f'"v{comments.__version__}-{version}"', "Cache-Control": cache, "Vary": "Authorization"}


def _public(request: Request[Any, Any, Any], version: int, body: bytes | None = None) -> Response[Any]:
    headers = _public_headers(request, version)
    if body is None:
        return Response(None, status_code=304, headers=headers)
    return Response(body, media_type=MediaType.JSON, headers=headers)


def _not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    match = request.headers.get("if-none-match")
    return match is not None and etag in {m.strip() for m in match.split(",")}


def _private(request: Request[Any, Any, Any], page: Any) -> Response[Any]:
    """A logged-in reader's answer holds their own held or rejected comments: never in a shared cache."""
    body = msgspec.json.encode(page)
    etag = '"p' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if _not_modified(request, etag):
        return Response(None, status_code=304, headers=headers)
    return Response(body, media_type=MediaType.JSON, headers=headers)


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
        thread_reads: ThreadReadsDep,
        request: Request[Any, Any, Any],
        cursor: Cursor = None,
        limit: Limit = 20,
        sort: FromQuery[Sort] = "newest",
    ) -> Response[s.ThreadPage]:
        """Top-level comments a page at a time (opaque cursor), replies nested under them. A logged-in
        reader also sees their own held and rejected comments, with the reasons. Answers carry an ETag:
        polling with If-None-Match gets a 304 while nothing changed. Anonymous answers are public
        (Cache-Control max-age, stale-while-revalidate); logged-in ones private."""
        viewer = _viewer(request)
        if viewer is None:
            ref = await thread_reads.article_ref(site, article)
            if _not_modified(request, _public_headers(request, ref.version)["ETag"]):
                return _public(request, ref.version)
            body = await thread_reads.public_thread(ref, cursor=cursor, limit=limit, sort=sort)
            return _public(request, ref.version, body)
        page = await thread_reads.thread(site, article, viewer, cursor=cursor, limit=limit, sort=sort)
        return _private(request, page)

    @post("/", operation_id="PostComment", guards=[requires_login], status_code=201)
    async def post_comment(
        self,
        site: Slug,
        article: Slug,
        data: JSONBody[s.CommentCreate],
        site_service: Sites,
        comment_service: Comments,
        current_user: Me,
        idempotency_key: IdempotencyKey = None,
    ) -> s.PostOutcome:
        """Post a comment or a reply. 201 with the outcome: published, held (with reasons) or rejected.
        Send an Idempotency-Key to make retries safe."""
        site_row, article_row = await site_service.site_and_article(site, article)
        return await comment_service.post(site_row, article_row, data, current_user, idempotency_key)


class CommentController(Controller):
    path = "/api/v1/comments/{comment_id:uuid}"
    tags = ["comments"]

    @patch("/", operation_id="EditComment", guards=[requires_login])
    async def edit_comment(
        self, comment_id: PathId, data: JSONBody[s.CommentUpdate], comment_service: Comments, current_user: Me
    ) -> s.PostOutcome:
        """Edit your own comment within the site's edit window; the new text is checked again."""
        return await comment_service.edit(comment_id, data.body, current_user)

    @delete("/", operation_id="DeleteComment", guards=[requires_login], status_code=204)
    async def delete_comment(self, comment_id: PathId, comment_service: Comments, current_user: Me) -> None:
        """Remove your own comment. Replies stay; it shows as 'comment removed'."""
        await comment_service.delete(comment_id, current_user)

    @get("/replies", operation_id="ListReplies")
    async def list_replies(
        self,
        comment_id: PathId,
        thread_reads: ThreadReadsDep,
        request: Request[Any, Any, Any],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[s.RepliesPage]:
        """All replies under a top-level comment, oldest first, a page at a time (cached and public for
        anonymous readers, like the thread)."""
        viewer = _viewer(request)
        version, page = await thread_reads.replies(comment_id, viewer, cursor=cursor, limit=limit)
        if isinstance(page, bytes):
            if _not_modified(request, _public_headers(request, version)["ETag"]):
                return _public(request, version)
            return _public(request, version, page)
        return _private(request, page)

    @post("/reports", operation_id="ReportComment", guards=[requires_login])
    async def report(
        self, comment_id: PathId, data: JSONBody[s.ReportCreate], report_service: Reports, current_user: Me
    ) -> s.ReportReceipt:
        """Report a published comment (once per comment; rate-limited, 429 with Retry-After)."""
        return await report_service.report(comment_id, data, current_user)
