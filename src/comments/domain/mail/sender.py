"""SMTP through aiosmtplib (asyncio-native: no thread, no blocking socket on the loop)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from comments.config import Settings

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "off": 25}


def build_message(*, sender: str, to: str, subject: str, text: str, html: str, message_id: str) -> EmailMessage:
    """A multipart/alternative mail: plain text first, HTML as the preferred alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(idstring=message_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a reset link
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.tls = settings.smtp_tls
        self.port = settings.smtp_port or DEFAULT_PORTS[settings.smtp_tls]
        self.username = settings.smtp_username or None
        self.password = settings.smtp_password or None
        self.timeout = settings.smtp_timeout_seconds
        self.sender = settings.mail_from

    async def send(self, message: EmailMessage) -> None:
        """Raises aiosmtplib.SMTPException or OSError when the server is unreachable or refuses."""
        await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.tls == "tls",
            start_tls=self.tls == "starttls",  # "off": never, even if offered
            timeout=self.timeout,
        )
