"""Transactional mail: an outbox table and a worker that sends it.

Sending a mail is one call, in the transaction of what causes it (the caller commits):

    from comments.domain.mail import enqueue_mail

    enqueue_mail(session, to="reader@example.com", template="verify_email",
                 context={"link": url}, site=site_row)

`template` names files under domain/mail/templates/<language>/: `<name>.txt` (first line `Subject: ...`,
then the plain-text body) and `<name>.html` (the HTML body; autoescaped). The language is the site's
(`site.language`, e.g. "de" or "de-CH", falling back to its primary tag, then English); `site` also puts
`site_name` into the context. A new template needs at least the English pair.

The mail is rendered now and stored; `MailWorker` (started in the app's lifespan) sends it over SMTP
(COMMENTS_SMTP_*) with retries and backoff, or, with no SMTP host set, writes it to the log, where
`comments mail list` shows it. Nothing is lost while the mail server is down: the row waits.

This package depends only on comments.db and comments.config, so every domain package may use it.
"""

from comments.domain.mail.outbox import enqueue_mail
from comments.domain.mail.sender import SmtpSender, build_message
from comments.domain.mail.templates import TEMPLATES, pick_language, render
from comments.domain.mail.worker import MailWorker

__all__ = ("TEMPLATES", "MailWorker", "SmtpSender", "build_message", "enqueue_mail", "pick_language", "render")
