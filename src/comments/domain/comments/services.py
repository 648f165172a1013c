"""Posting, editing and deleting comments; the threaded listing lives in listing.py."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import Article, Comment, CommentStatus, IdempotencyRecord, Site, User
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser, eligibility
from comments.domain.comments import schemas as s
from comments.domain.comments.events import comment_stored
from comments.domain.comments.listing import (
    PublicPage,
    PublicReplies,
    Sort,
    ThreadReader,
    Viewer,
    encode,
    present,
    replies_key,
    thread_key,
)
from comments.domain.comments.pipeline import (
    ToxicityScorer,
    Verdict,
    author_history,
    check_open,
    check_rate,
    check_sanctions,
    clean_body,
    judge,
    score_early,
)
from comments.domain.comments.reasons import REPORTED, Reason, has_reason, stored
from comments.domain.rules import Draft, RuleSet
from comments.domain.rules.stored import article_rules
from comments.domain.sites.readcache import ReadCache
from comments.domain.sites.services import ArticleRef, SiteService
from comments.errors import Conflict, Forbidden, InvalidInput, NotFound, ProfileIncomplete

OUTCOME_MESSAGES = {
    "published": "Your comment is published.",
    "held": "Your comment is waiting for a moderator's review.",
    "rejected": "Your comment was not published.",
}


# A top-level comment's article and the article's version, for ListReplies (one indexed lookup).
REPLY_ROOT = (
    select(Comment.article_id, Article.external_id, Article.version)
    .join(Article, Article.id == Comment.article_id)
    .where(Comment.id == bindparam("root_id"), Comment.parent_id.is_(None))
)


class CommentService(Service[Comment]):
    model_type = Comment

    def __init__(
        self,
        session: AsyncSession,
        *,
        scorer: ToxicityScorer | None,
        cache: ReadCache | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(session=session, **kwargs)
        self.scorer = scorer
        self.cache = cache if cache is not None else ReadCache(0)

    async def post(
        self,
        site: Site,
        article: Article,
        data: s.CommentCreate,
        author: CurrentUser,
        idempotency_key: str | None = None,
    ) -> s.PostOutcome:
        """The outcome: published, held or rejected, and why. A retry with the same Idempotency-Key gets
        the first answer (the same PostOutcome), and stores nothing."""
        fingerprint = hashlib.sha256(msgspec.json.encode([str(article.id), data])).hexdigest()
        if idempotency_key:
            replay = await self._replay(author.id, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        rules = article_rules(site, article)
        with score_early(self.scorer, data.body, rules) as early:  # an idle model starts while the gates query
            now = utcnow()
            eligible = await eligibility(self.session, author.id, site)
            profile = eligible.status
            if not profile.complete:
                detail = (
                    f"You must be older than {rules.profile.minimum_age} to comment here."
                    if profile.under_minimum_age
                    else "Complete your personal details to comment."
                )
                raise ProfileIncomplete(
                    detail,
                    missing_fields=list(profile.missing_fields),
                    under_minimum_age=profile.under_minimum_age,
                )
            if eligible.sanctioned:
                await check_sanctions(self.session, author.id, site, now)
            check_open(article, rules, now)
            user = eligible.user
            history = await author_history(self.session, author.id, user.created_at, site, article, now, rules)
            check_rate(rules, history, now)
            body = clean_body(data.body, rules)
            parent = await self._parent(article, data.parent_id, rules)
            depth = parent.depth + 1 if parent else 0
            verdict = await judge(rules, Draft(body=body, depth=depth), history, now, self.scorer, early, explain=True)
        comment = Comment(
            site_id=site.id,
            article_id=article.id,
            author_id=author.id,
            parent_id=parent.id if parent else None,
            root_id=(parent.root_id or parent.id) if parent else None,
            depth=depth,
            body=body,
        )
        self._apply(comment, verdict)
        self.session.add(comment)
        if article.first_comment_at is None:
            article.first_comment_at = now
        await self.session.flush()
        await comment_stored(self.session, comment, article)  # audit + webhook, in this transaction
        answer = self._outcome(comment, article, user, rules)
        if idempotency_key:
            answer = await self._remember(author.id, idempotency_key, fingerprint, answer)
        await self.session.commit()  # a 2xx means committed: commit before answering, not after
        return answer

    async def edit(self, comment_id: UUID, body: str, author: CurrentUser) -> s.PostOutcome:
        comment, article, site = await self._own(comment_id, author)
        if comment.status in {CommentStatus.DELETED, CommentStatus.REJECTED}:
            raise Conflict(f"A {comment.status} comment cannot be edited.", status=str(comment.status))
        if has_reason(comment.reasons, REPORTED) and comment.status == CommentStatus.HELD:
            # Editing must not let a reported comment slip past the moderators' review.
            raise Conflict("Readers reported this comment; it cannot be edited until a moderator reviews it.")
        rules = article_rules(site, article)
        now = utcnow()
        if now > comment.created_at + timedelta(seconds=rules.thread.edit_window_seconds):
            raise Conflict("The time to edit this comment has passed.", code="edit-window-closed")
        await check_sanctions(self.session, author.id, site, now)
        check_open(article, rules, now)
        text = clean_body(body, rules)
        user = await self.session.get(User, author.id)
        if user is None:  # the account was deleted since the token was checked
            raise NotFound("There is no such user.")
        history = await author_history(self.session, author.id, user.created_at, site, article, now, rules)
        # The comment being edited is not a duplicate of itself.
        history = replace(
            history,
            recent_bodies=tuple((b, at) for b, at in history.recent_bodies if at != comment.created_at),
        )
        # The spans are computed again for the new body (or dropped): old ones would mark the wrong characters.
        verdict = await judge(
            rules, Draft(body=text, depth=comment.depth, is_edit=True), history, now, self.scorer, explain=True
        )
        comment.body = text
        comment.edited_at = now
        comment.version += 1
        self._apply(comment, verdict)
        await self.session.flush()
        await comment_stored(self.session, comment, article)
        await self.session.commit()
        return self._outcome(comment, article, user, rules)

    async def delete(self, comment_id: UUID, author: CurrentUser) -> None:
        comment, _, _ = await self._own(comment_id, author)
        if comment.status != CommentStatus.DELETED:
            comment.status = CommentStatus.DELETED
            comment.deleted_at = utcnow()
            comment.version += 1
            await self.session.commit()

    # reading: the public part of every page is cached per article version (see sites.readcache)

    @property
    def sites(self) -> SiteService:
        return SiteService(session=self.session)

    async def public_thread(self, ref: ArticleRef, *, cursor: str | None, limit: int, sort: Sort) -> bytes:
        """The anonymous answer, encoded once per (article, version, sort, cursor, limit) and process."""
        page = await self._public_page(ref.id, ref.version, cursor=cursor, limit=limit, sort=sort)
        return ThreadReader.encode_anonymous(page, ref.external_id, limit=limit, sort=sort)

    async def thread(
        self, slug: str, external_id: str, viewer_id: UUID, *, cursor: str | None, limit: int, sort: Sort
    ) -> s.ThreadPage:
        """A logged-in reader's page: the shared public part plus their own rows (one more statement)."""
        site, article = await self.sites.site_and_article(slug, external_id)
        page = await self._public_page(article.id, article.version, cursor=cursor, limit=limit, sort=sort)
        viewer = Viewer(viewer_id, self._edit_window(site, article), utcnow())
        reader = ThreadReader(self.session)
        return await reader.viewer_page(
            article.id, article.external_id, page, viewer, cursor=cursor, limit=limit, sort=sort
        )

    async def reply_ref(self, root_id: UUID) -> tuple[UUID, str, int]:
        """(article id, article external id, article version) of a top-level comment."""
        ref = (await self.session.execute(REPLY_ROOT, {"root_id": root_id})).one_or_none()
        if ref is None:
            raise NotFound("There is no such top-level comment.")
        return ref[0], ref[1], ref[2]

    async def replies(
        self,
        root_id: UUID,
        ref: tuple[UUID, str, int],
        viewer_id: UUID | None,
        *,
        cursor: str | None,
        limit: int,
    ) -> bytes | s.RepliesPage:
        """Encoded bytes for anonymous readers (cached), a page for logged-in ones."""
        article_id, external_id, version = ref
        key = replies_key(article_id, version, root_id, cursor, limit)
        public: PublicReplies | None = self.cache.get(key)
        reader = ThreadReader(self.session)
        if public is None:
            public = self.cache.put(key, await reader.public_replies(root_id, cursor=cursor, limit=limit))
        if viewer_id is None:
            if public.encoded is None:
                page = await reader.replies(root_id, external_id, public, None, cursor=cursor, limit=limit)
                public.encoded = encode(page)
            return public.encoded
        article = await self.session.get(Article, article_id)
        site = await self.session.get(Site, article.site_id) if article else None
        if article is None or site is None:
            raise NotFound("There is no such top-level comment.")
        viewer = Viewer(viewer_id, self._edit_window(site, article), utcnow())
        return await reader.replies(root_id, external_id, public, viewer, cursor=cursor, limit=limit)

    async def _public_page(
        self, article_id: UUID, version: int, *, cursor: str | None, limit: int, sort: Sort
    ) -> PublicPage:
        key = thread_key(article_id, version, sort, cursor, limit)
        page: PublicPage | None = self.cache.get(key)
        if page is None:
            page = await ThreadReader(self.session).public_page(article_id, cursor=cursor, limit=limit, sort=sort)
            self.cache.put(key, page)
        return page

    @staticmethod
    def _edit_window(site: Site, article: Article) -> timedelta:
        return timedelta(seconds=article_rules(site, article).thread.edit_window_seconds)

    # helpers

    def _apply(self, comment: Comment, verdict: Verdict) -> None:
        decision = verdict.decision
        comment.status = comment.auto_status = CommentStatus(decision.status)
        comment.flagged = decision.flagged
        comment.scores = verdict.scores
        comment.model = verdict.model
        comment.spans = verdict.spans
        comment.reasons = stored([Reason(r.code, r.action, r.message, r.detail) for r in decision.reasons])

    def _outcome(self, comment: Comment, article: Article, user: User, rules: RuleSet) -> s.PostOutcome:
        view = present(
            comment,
            article.external_id,
            user.profile.display_name if user.profile else None,
            viewer_id=user.id,
            edit_window=timedelta(seconds=rules.thread.edit_window_seconds),
            now=utcnow(),
        )
        status = str(comment.status)
        message = OUTCOME_MESSAGES[status]
        if view.reasons and status != "published":
            message += " " + " ".join(r.message for r in view.reasons)
        return s.PostOutcome(id=comment.id, status=status, message=message, reasons=view.reasons, comment=view)  # type: ignore[arg-type]

    async def _parent(self, article: Article, parent_id: UUID | None, rules: RuleSet) -> Comment | None:
        if parent_id is None:
            return None
        parent = await self.session.get(Comment, parent_id)
        if parent is None or parent.article_id != article.id:
            raise InvalidInput(
                "You can only reply to a comment in the same thread.",
                errors=[{"pointer": "/parent_id", "message": "No such comment in this thread."}],
            )
        if parent.status != CommentStatus.PUBLISHED:
            raise Conflict("You can only reply to a published comment.", code="parent-not-published")
        if parent.depth + 1 > rules.thread.max_depth:
            raise InvalidInput(
                f"Replies can nest at most {rules.thread.max_depth} levels deep here: reply higher up the thread.",
                errors=[{"pointer": "/parent_id", "message": "This reply would nest too deep."}],
            )
        return parent

    async def _own(self, comment_id: UUID, author: CurrentUser) -> tuple[Comment, Article, Site]:
        row = (
            await self.session.execute(
                select(Comment, Article, Site)
                .join(Article, Article.id == Comment.article_id)
                .join(Site, Site.id == Comment.site_id)
                .where(Comment.id == comment_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFound("There is no such comment.")
        comment, article, site = row
        if comment.author_id != author.id:
            raise Forbidden("You can only change your own comments.")
        return comment, article, site

    async def _replay(self, user_id: UUID, key: str, fingerprint: str) -> s.PostOutcome | None:
        record = await self.session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        )
        if record is None:
            return None
        if record.request_fingerprint != fingerprint:
            raise InvalidInput(
                "This Idempotency-Key was used for a different request.",
                errors=[{"pointer": "/headers/Idempotency-Key", "message": "Use a new key for a new comment."}],
            )
        return msgspec.convert(record.response, s.PostOutcome)

    async def _remember(self, user_id: UUID, key: str, fingerprint: str, answer: s.PostOutcome) -> s.PostOutcome:
        """Store the answer in the comment's transaction. If a concurrent retry won the race, undo ours
        and answer with theirs: the comment is stored once."""
        self.session.add(
            IdempotencyRecord(
                user_id=user_id,
                key=key,
                request_fingerprint=fingerprint,
                response=s.to_json(answer),
            )
        )
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            replay = await self._replay(user_id, key, fingerprint)
            if replay is None:
                raise
            return replay
        return answer
