"""The mail worker: sends due mails from the outbox over SMTP, retrying with backoff.

An outbox worker (comments/outbox.py, shared with the webhook worker): each API process runs one; a mail
is leased before it is sent, so two processes never send it twice at once; no transaction stays open
during SMTP. With no SMTP host configured, a mail is written to the log and marked `logged`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from comments.clock import utcnow
from comments.db import MailMessage, MailStatus
from comments.domain.mail.sender import build_message
from comments.outbox import Attempt, OutboxWorker

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 7200, 21600)
"""Wait after the 1st, 2nd, ... failed attempt; after the last the mail is marked failed (8 tries over
about 9.5 hours: a mail server down for a night loses nothing)."""
LEASE = timedelta(seconds=120)


class Sender(Protocol):
    sender: str

    async def send(self, message: Any) -> None: ...


class MailWorker(OutboxWorker[MailMessage]):
    model = MailMessage
    status = MailStatus
    name = "mail"
    lease = LEASE
    stop_timeout = 30.0

    def __init__(
        self,
        session_maker: Callable[[], Any],
        sender: Sender | None,
        *,
        mail_from: str = "comments@localhost",
        poll_seconds: float = 1.0,
        backoff: tuple[int, ...] = BACKOFF_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """`sender` None: no SMTP configured, mails go to the log."""
        super().__init__(session_maker, poll_seconds=poll_seconds, backoff=backoff, clock=clock)
        self.sender = sender
        self.mail_from = sender.sender if sender is not None else mail_from

    # One SMTP conversation at a time: the inherited `_attempt_all` sends the leased mails in turn.

    async def _attempt(self, mail: MailMessage) -> Attempt:
        if self.sender is None:
            log.info(
                "mail (no SMTP configured) to=%s subject=%r template=%s\n%s",
                mail.to_address,
                mail.subject,
                mail.template,
                mail.text_body,
            )
            return Attempt()
        message = build_message(
            sender=self.mail_from,
            to=mail.to_address,
            subject=mail.subject,
            text=mail.text_body,
            html=mail.html_body,
            message_id=str(mail.id),
        )
        try:
            await self.sender.send(message)
        except Exception as exc:  # SMTP refusals, timeouts, DNS, TLS: all retried the same way
            log.info("mail %s to %s not sent: %s", mail.id, mail.to_address, exc)
            return Attempt(f"{type(exc).__name__}: {exc}"[:500])
        return Attempt()

    def _done(self, mail: MailMessage, now: datetime) -> dict[str, Any]:
        if self.sender is None:
            return {"status": MailStatus.LOGGED, "sent_at": now}
        # Sent: the bodies may hold a one-time link; the outbox need not keep it.
        return {"status": MailStatus.SENT, "sent_at": now, "text_body": "", "html_body": ""}
