"""Notice and action (Art. 16): anyone may notify a comment as illegal; the site's moderators decide.
Notifiers who often send manifestly unfounded notices may be suspended from sending them (Art. 23)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import ColumnElement, func, or_, select

from comments.clock import utcnow
from comments.db import (
    Comment,
    CommentStatus,
    Notice,
    NotifierSuspension,
    Role,
    Site,
    StatementOfReasons,
)
from comments.db.queries import RowLimits, change_versioned
from comments.db.service import Service, view
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record, record_on
from comments.domain.compliance import messages
from comments.domain.compliance import schemas as s
from comments.domain.compliance.access import site_for
from comments.domain.compliance.cases import NOTICES
from comments.domain.compliance.categories import CATEGORIES
from comments.domain.compliance.errors import AlreadyDecided, NotFrequent, NotifierSuspended
from comments.domain.compliance.statements import CONTEXT_KEY, NoticeContext
from comments.domain.compliance.views import aware, seconds_since
from comments.domain.moderation.decisions import decide_as_consequence
from comments.errors import InvalidInput, NotFound

NOTICE_LIMITS: Final = RowLimits(
    Notice, ((timedelta(hours=1), 5), (timedelta(days=1), 20)), "You sent many notices recently. Try again later."
)
"""Notices per sender address: enough for a real notifier, too few to flood the moderators."""
MISUSE_WINDOW: Final = timedelta(days=365)
MISUSE_MINIMUM: Final = 3
"""Art. 23: 'frequently' manifestly unfounded — at least this many within the window before a suspension."""
REJECT_REASON: Final = {"illegal_hate_speech": "hate_speech", "privacy_violation": "personal_information"}
NOTICE_OUTCOMES: Final = {
    "remove": "We removed the comment.",
    "restrict": "We restricted the comment: other readers no longer see it.",
    "keep": "We keep the comment online: we did not find it illegal.",
}


def address_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _notifier_match(
    reporter_id: UUID | None, email: str | None, hashed: str | None, model: type[Notice] | type[NotifierSuspension]
) -> ColumnElement[bool]:
    """The same notifier: by account, else by email, else by address."""
    if reporter_id is not None:
        return model.reporter_id == reporter_id
    if email:
        return func.lower(model.reporter_email) == email.lower()
    return model.address_hash == hashed


def _check_notice(data: s.NoticeCreate) -> None:
    errors = []
    if data.bona_fide is not True:
        errors.append(
            {"pointer": "/bona_fide", "message": "Confirm that the notice is accurate and complete (bona_fide: true)."}
        )
    if data.reporter_email is not None and (
        "@" not in data.reporter_email or any(c.isspace() for c in data.reporter_email)
    ):
        errors.append({"pointer": "/reporter_email", "message": "This is not an email address."})
    if not data.explanation.strip():
        errors.append({"pointer": "/explanation", "message": "Explain why the comment is illegal."})
    if not data.legal_ground.strip():
        errors.append({"pointer": "/legal_ground", "message": "Say which law it breaks."})
    if errors:
        raise InvalidInput("The notice is not complete.", errors=errors)


def _check_decision(data: s.NoticeDecisionCreate) -> None:
    errors = []
    if (data.action == "keep") != (data.ground == "not_illegal"):
        errors.append(
            {
                "pointer": "/ground",
                "message": "Keep goes with not_illegal; remove and restrict with illegal or terms.",
            }
        )
    if data.ground == "illegal" and not (data.legal_reference or "").strip():
        errors.append({"pointer": "/legal_reference", "message": "Name the provision of law the comment breaks."})
    if data.manifestly_unfounded and data.action != "keep":
        errors.append({"pointer": "/manifestly_unfounded", "message": "Only a notice that is kept can be unfounded."})
    if errors:
        raise InvalidInput("The decision is not complete.", errors=errors)


class NoticeService(Service[Notice]):
    model_type = Notice

    # notifiers

    async def submit(self, data: s.NoticeCreate, user: CurrentUser | None, address: str) -> s.NoticeReceipt:
        _check_notice(data)
        now = utcnow()
        found = (
            await self.session.execute(
                select(Comment, Site).join(Site, Site.id == Comment.site_id).where(Comment.id == data.comment_id)
            )
        ).one_or_none()
        if found is None or found[0].status == CommentStatus.DELETED:
            raise NotFound("There is no such comment.")
        comment, site = found
        hashed = address_hash(address)
        email = (data.reporter_email or "").strip() or (user.email if user else None)
        await self._refuse_suspended(site, user.id if user else None, email, hashed, now)
        await NOTICE_LIMITS.check(self.session, Notice.address_hash == hashed, now)
        notice = Notice(
            site_id=site.id,
            comment_id=comment.id,
            category=data.category,
            explanation=data.explanation.strip(),
            legal_ground=data.legal_ground.strip(),
            reporter_name=(data.reporter_name or "").strip() or None,
            reporter_email=email,
            reporter_id=user.id if user else None,
            address_hash=hashed,
        )
        self.session.add(notice)
        await self.session.flush()
        record_on(
            self.session,
            comment,
            action="notice.received",
            actor_id=user.id if user else None,
            after={"notice_id": str(notice.id), "category": data.category},
        )
        messages.send(
            self.session,
            site_id=site.id,
            kind="notice.received",
            to_email=email,
            notice_id=notice.id,
            subject=f"We received your notice ({CATEGORIES[data.category].label})",
            body=f"We received your notice {notice.id} about comment {comment.id} on {site.name} at "
            f"{now.isoformat()}. A moderator will review it and tell you the decision and how to contest it.",
        )
        await self.session.commit()
        return s.NoticeReceipt(
            id=notice.id,
            status="open",
            received_at=notice.created_at,
            message="Thank you. We received your notice; a moderator will review it."
            + (" We will send the decision to your email address." if email else ""),
        )

    async def _refuse_suspended(
        self, site: Site, reporter_id: UUID | None, email: str | None, hashed: str, now: datetime
    ) -> None:
        matches = [NotifierSuspension.address_hash == hashed]
        if reporter_id is not None:
            matches.append(NotifierSuspension.reporter_id == reporter_id)
        if email:
            matches.append(func.lower(NotifierSuspension.reporter_email) == email.lower())
        until = await self.session.scalar(
            select(func.max(NotifierSuspension.until)).where(
                NotifierSuspension.site_id == site.id,
                NotifierSuspension.lifted_at.is_(None),
                NotifierSuspension.until > now,
                or_(*matches),
            )
        )
        if until is not None:
            raise NotifierSuspended(
                f"Notices from you are not processed on this site until {aware(until).isoformat()}: "
                "several of your notices were manifestly unfounded.",
            )

    # moderators

    async def list_notices(self, slug: str, user: CurrentUser, status: str, limit: int, offset: int) -> s.NoticeList:
        site = await site_for(self.session, slug, user, Role.MODERATOR)
        query = select(Notice, Comment).join(Comment, Comment.id == Notice.comment_id).where(Notice.site_id == site.id)
        rows, total = await NOTICES.page(self.session, query, status, limit, offset)
        now = utcnow()
        return s.NoticeList(items=[await self._view(n, c, site, now) for n, c in rows], total=total)

    async def _unfounded(self, notice: Notice, now: datetime) -> int:
        return (
            await self.session.scalar(
                select(func.count()).where(
                    Notice.site_id == notice.site_id,
                    Notice.manifestly_unfounded.is_(True),
                    Notice.decided_at > now - MISUSE_WINDOW,
                    _notifier_match(notice.reporter_id, notice.reporter_email, notice.address_hash, Notice),
                )
            )
            or 0
        )

    async def _view(self, notice: Notice, comment: Comment, site: Site, now: datetime) -> s.Notice:
        statement_id = None
        if notice.status == "decided" and notice.action != "keep":
            statement_id = await self.session.scalar(
                select(StatementOfReasons.id).where(StatementOfReasons.notice_id == notice.id).limit(1)
            )
        return view(
            s.Notice,
            notice,
            site=site.slug,
            comment=view(s.CommentBrief, comment, status=str(comment.status)),
            category_label=CATEGORIES[notice.category].label,
            received_at=notice.created_at,
            seconds_since_receipt=seconds_since(notice.created_at, now),
            notifier_unfounded_notices=await self._unfounded(notice, now),
            statement_id=statement_id,
        )

    async def _for_moderator(self, notice_id: UUID, user: CurrentUser) -> tuple[Notice, Comment, Site]:
        notice, comment, site = await NOTICES.for_staff(self.session, notice_id, user)
        return notice, comment, site

    async def decide(self, notice_id: UUID, data: s.NoticeDecisionCreate, user: CurrentUser) -> s.Notice:
        _check_decision(data)
        notice, comment, site = await self._for_moderator(notice_id, user)
        if notice.status != "open":
            raise AlreadyDecided("This notice was already decided.")
        now = utcnow()
        context = NoticeContext(
            notice_id=notice.id,
            category=notice.category,
            ground="illegal" if data.ground == "illegal" else "terms",
            explanation=data.explanation.strip(),
            legal_reference=(data.legal_reference or "").strip() or None,
        )
        self.session.info[CONTEXT_KEY] = context
        try:
            if data.action == "remove" and comment.status in (CommentStatus.PUBLISHED, CommentStatus.HELD):
                await decide_as_consequence(
                    self.session,
                    site,
                    comment,
                    "reject",
                    reason_code=REJECT_REASON.get(notice.category, "other"),
                    note=context.explanation,
                    user=user,
                )
            elif data.action == "restrict" and comment.status == CommentStatus.PUBLISHED:
                await self._restrict(comment, user, context, now)
            await self.session.flush()  # the statement is written while the notice is the context
        finally:
            self.session.info.pop(CONTEXT_KEY, None)
        decided = await NOTICES.close(
            self.session,
            notice.id,
            user.id,
            now,
            action=data.action,
            ground=data.ground,
            decision_explanation=context.explanation,
            legal_reference=context.legal_reference,
            manifestly_unfounded=data.manifestly_unfounded,
        )
        if not decided:  # another moderator decided it first
            raise AlreadyDecided("This notice was already decided.")
        record_on(
            self.session,
            comment,
            action="notice.decided",
            actor_id=user.id,
            before={"notice_id": str(notice.id), "status": "open", "comment_status": str(comment.status)},
            after={
                "notice_id": str(notice.id),
                "action": data.action,
                "ground": data.ground,
                "manifestly_unfounded": data.manifestly_unfounded,
            },
            reason=data.ground,
            note=context.explanation,
        )
        NOTICES.tell(
            self.session,
            site.id,
            NOTICE_OUTCOMES[data.action],
            context.explanation,
            to_email=notice.reporter_email,
            notice_id=notice.id,
        )
        await self.session.commit()
        await self.session.refresh(notice)
        await self.session.refresh(comment)
        return await self._view(notice, comment, site, utcnow())

    async def _restrict(self, comment: Comment, user: CurrentUser, context: NoticeContext, now: datetime) -> None:
        """Hide the comment from other readers without removing it (it waits in the queue as held)."""
        before = {"status": str(comment.status), "version": comment.version}
        await change_versioned(self.session, comment, now, status=CommentStatus.HELD, flagged=False)
        record_on(
            self.session,
            comment,
            action="comment.restricted",
            actor_id=user.id,
            before=before,
            after={"status": str(comment.status), "version": comment.version, "notice_id": str(context.notice_id)},
            reason="notice",
            note=context.explanation,
        )

    async def suspend_notifier(
        self, notice_id: UUID, data: s.NotifierSuspensionCreate, user: CurrentUser
    ) -> s.NotifierSuspension:
        """Art. 23(2): after a warning in each decision, a notifier who often sends manifestly unfounded
        notices is suspended from sending them for a reasonable time, with a statement of reasons."""
        notice, _comment, site = await self._for_moderator(notice_id, user)
        now = utcnow()
        unfounded = await self._unfounded(notice, now)
        if unfounded < MISUSE_MINIMUM:
            raise NotFrequent(
                f"This notifier sent {unfounded} manifestly unfounded notices in the last 12 months; "
                f"a suspension needs at least {MISUSE_MINIMUM}.",
            )
        until = now + timedelta(days=data.days)
        row = NotifierSuspension(
            site_id=site.id,
            reporter_id=notice.reporter_id,
            reporter_email=notice.reporter_email if notice.reporter_id is None else None,
            address_hash=notice.address_hash if notice.reporter_id is None and not notice.reporter_email else None,
            until=until,
            reason=data.explanation.strip(),
            unfounded_notices=unfounded,
            created_by=user.id,
        )
        self.session.add(row)
        await self.session.flush()
        entry = record(
            self.session,
            site_id=site.id,
            action="notifier.suspended",
            actor_id=user.id,
            target_user_id=notice.reporter_id,
            after={
                "suspension_id": str(row.id),
                "until": until.isoformat(),
                "unfounded_notices": unfounded,
                "reporter_email": notice.reporter_email,
                "notice_id": str(notice.id),
            },
            note=row.reason,
        )
        await self.session.flush()
        statement_id = await self.session.scalar(
            select(StatementOfReasons.id).where(StatementOfReasons.audit_entry_id == entry.id)
        )
        await self.session.commit()
        return s.NotifierSuspension(
            id=row.id,
            site=site.slug,
            until=until,
            unfounded_notices=unfounded,
            statement_id=statement_id,  # type: ignore[arg-type]
        )
