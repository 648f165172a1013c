from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from comments.db import MailMessage, Site
from comments.domain.mail.templates import render


def enqueue_mail(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    site: Site | None = None,
    language: str | None = None,
) -> MailMessage:
    """Render `template` and add the mail to the outbox in the caller's transaction (it is sent once the
    caller commits, and never if it rolls back). `language` overrides the site's."""
    values = {"site_name": site.name if site is not None else "comments", **(context or {})}
    rendered = render(template, values, language or (site.language if site is not None else None))
    message = MailMessage(
        to_address=to,
        template=template,
        language=rendered.language,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        site_id=site.id if site is not None else None,
        next_attempt_at=datetime.now(UTC),
    )
    session.add(message)
    return message
