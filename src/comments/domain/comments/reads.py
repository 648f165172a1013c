"""The public thread and replies reads, cache first (see sites.reads): a hit answers with the bytes
encoded on the first miss after the article's version moved; a miss or a logged-in reader goes through
CommentService on the request's session."""

from __future__ import annotations

from functools import cached_property
from uuid import UUID

from comments.db.probe import NOT_FOUND
from comments.domain.comments import schemas as s
from comments.domain.comments.listing import PublicPage, PublicReplies, Sort, replies_key, thread_key
from comments.domain.comments.services import CommentService
from comments.domain.sites.reads import SiteReads
from comments.domain.sites.services import ArticleRef
from comments.errors import NotFound


class ThreadReads(SiteReads):
    @cached_property
    def comments(self) -> CommentService:
        return CommentService(session=self.session, scorer=None, cache=self.cache)

    async def public_thread(self, ref: ArticleRef, *, cursor: str | None, limit: int, sort: Sort) -> bytes:
        page: PublicPage | None = self.cache.get(thread_key(ref.id, ref.version, sort, cursor, limit))
        if page is not None and page.encoded is not None:
            return page.encoded
        return await self.comments.public_thread(ref, cursor=cursor, limit=limit, sort=sort)

    async def thread(
        self, slug: str, article: str, viewer_id: UUID, *, cursor: str | None, limit: int, sort: Sort
    ) -> s.ThreadPage:
        return await self.comments.thread(slug, article, viewer_id, cursor=cursor, limit=limit, sort=sort)

    async def replies(
        self, root_id: UUID, viewer_id: UUID | None, *, cursor: str | None, limit: int
    ) -> tuple[int, bytes | s.RepliesPage]:
        """(article version, answer): encoded bytes for anonymous readers, a page for logged-in ones."""
        row = await self.probe.reply_root(root_id) if self.probe is not None else None
        if row is NOT_FOUND:
            raise NotFound("There is no such top-level comment.")
        ref = (row[0], row[1], row[2]) if row else await self.comments.reply_ref(root_id)
        if viewer_id is None:
            public: PublicReplies | None = self.cache.get(replies_key(ref[0], ref[2], root_id, cursor, limit))
            if public is not None and public.encoded is not None:
                return ref[2], public.encoded
        return ref[2], await self.comments.replies(root_id, ref, viewer_id, cursor=cursor, limit=limit)
