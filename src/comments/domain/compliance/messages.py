"""Messages to authors and notifiers: the notice's receipt and decision, the appeal's outcome, a notifier's
suspension. `send` keeps each message in the `dsa_message` table (what the reader's pages show, and the record
that they were told) and, where the recipient is an email address (a notifier), also puts a mail in the
mail outbox, in the same transaction. Readers with an account read theirs in the widget."""

from __future__ import annotations

import logging
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import ComplianceMessage
from comments.domain.mail import enqueue_mail

log = logging.getLogger("comments.compliance.messages")


def send(
    session: AsyncSession,
    *,
    site_id: UUID,
    kind: str,
    subject: str,
    body: str,
    to_user_id: UUID | None = None,
    to_email: str | None = None,
    **about: UUID | None,
) -> ComplianceMessage | None:
    """Queue a message in the caller's transaction; None when there is nobody to send it to. `about`
    links it to what it tells of: notice_id, statement_id or appeal_id (ComplianceMessage's columns)."""
    if to_user_id is None and not to_email:
        return None
    message = ComplianceMessage(
        site_id=site_id, kind=kind, subject=subject, body=body, to_user_id=to_user_id, to_email=to_email, **about
    )
    session.add(message)
    if to_email:
        mail = enqueue_mail(session, to=to_email, template="dsa_message", context={"subject": subject, "body": body})
        mail.site_id = site_id
    log.info("dsa message %s to %s: %s", kind, "a notifier" if to_email else to_user_id, subject)
    return message
