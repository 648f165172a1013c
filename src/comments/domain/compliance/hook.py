"""Statements of reasons for decisions taken elsewhere, without those packages knowing of this one: a
SQLAlchemy `before_flush` listener reads each audit entry being added (the moderators' rejections, the
pipeline's holds and rejections, report thresholds, sanctions) and adds the statement it calls for to the
same flush. The decision, its audit entry and its statement commit together or not at all."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from uuid_utils.compat import uuid7

from comments.db import AuditEntry, Comment, StatementOfReasons
from comments.domain.compliance import messages
from comments.domain.compliance.statements import (
    CONTEXT_KEY,
    DECISION_WORDS,
    STATEMENT_ACTIONS,
    AuditFacts,
    NoticeContext,
    StatementDraft,
    build_statement,
)
from comments.domain.compliance.views import record_of


def install() -> None:
    """Listen on every ORM session of the process (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def statement_row(draft: StatementDraft, site_id: Any, audit_entry_id: Any) -> StatementOfReasons:
    columns = dataclasses.asdict(draft)  # each field of a draft is the column of the same name
    columns.update(scope=draft.scope[:500], terms_rule=(draft.terms_rule or "")[:200] or None)
    return StatementOfReasons(site_id=site_id, audit_entry_id=audit_entry_id, **columns)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    entries = [o for o in session.new if isinstance(o, AuditEntry) and o.action in STATEMENT_ACTIONS]
    if not entries:
        return
    notice: NoticeContext | None = session.info.get(CONTEXT_KEY)
    for entry in entries:
        draft = build_statement(record_of(AuditFacts, entry), notice)
        if draft is None:
            continue
        if entry.id is None:
            entry.id = uuid7()  # the statement points at its entry, both inserted in this flush
        row = statement_row(draft, entry.site_id, entry.id)
        row.id = uuid7()
        row.audit_entry = entry
        if draft.comment_id is not None:
            with session.no_autoflush:  # the comment is in the identity map: no query
                comment = session.get(Comment, draft.comment_id)
            row.content_date = comment.created_at if comment is not None else None
        session.add(row)
        _message(session, row)


def _message(session: Session, row: StatementOfReasons) -> None:
    """Art. 17(1): the recipient is told, at the latest when the restriction is imposed."""
    message = messages.send(
        session,  # type: ignore[arg-type]  - send only adds a row: the flush's sync session will do
        site_id=row.site_id,
        kind="statement.issued",
        to_user_id=row.user_id,
        to_email=row.recipient_email if row.user_id is None else None,
        statement_id=row.id,
        subject="Why we " + DECISION_WORDS[row.decision],
        body=f"{row.scope}\n{row.facts}\nYou may appeal within six months. Statement of reasons: {row.id}.",
    )
    if message is not None:
        message.statement = row
