"""The mail component: templates, the outbox written in the caller's transaction, the worker talking to a
real SMTP server on loopback (aiosmtpd), retries when it is down, and the log when none is configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from comments.db import MailMessage, MailStatus, Site
from comments.db.engine import sqlalchemy_config
from comments.domain.mail import MailWorker, SmtpSender, enqueue_mail, render
from tests.integration.test_cli import _invoke
from tests.servers import free_port
from tests.smtp import html_of, smtp_server, text_of
from tests.support import db_run


def test_templates_render_in_the_sites_language_with_fallbacks():
    context = {"link": "https://c.example/account#verify=abc", "hours": 48, "site_name": "Die Zeitung"}
    assert render("verify_email", context, "de").subject.startswith("Bestätigen Sie")
    assert render("verify_email", context, "de-CH").language == "de"
    assert render("verify_email", context, "pt-BR").language == "en"  # no Portuguese yet: English
    assert render("verify_email", context, None).language == "en"
    fr = render("reset_password", {"link": "x", "minutes": 60, "site_name": "Le Journal"}, "fr")
    assert fr.subject == "Réinitialisez votre mot de passe pour Le Journal"


def test_html_bodies_escape_what_they_are_given():
    rendered = render("verify_email", {"link": "https://x/#a", "hours": 1, "site_name": "<script>x</script>"})
    assert "<script>x" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert rendered.subject.endswith("<script>x</script>")  # a header is not HTML: nothing to escape


def test_a_missing_value_or_template_is_an_error_not_a_blank():
    with pytest.raises(Exception, match="link"):
        render("verify_email", {"hours": 1, "site_name": "x"})
    with pytest.raises(ValueError, match="no mail template"):
        render("no_such_template", {})


async def _queue(settings, to="reader@example.com", template="password_changed", site_slug=None):
    async def work(session):
        site = await session.scalar(select(Site).where(Site.slug == site_slug)) if site_slug else None
        enqueue_mail(session, to=to, template=template, site=site)

    await db_run(settings, work)


async def _mails(settings):
    return await db_run(settings, lambda s: _all(s))


async def _all(session):
    return list((await session.scalars(select(MailMessage).order_by(MailMessage.created_at))).all())


async def test_the_worker_sends_over_smtp_with_text_and_html(settings):
    with smtp_server() as (inbox, port):
        smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off", mail_from="News <n@x.test>")
        await _queue(settings)
        config = sqlalchemy_config(settings)
        worker = MailWorker(config.get_session, SmtpSender(smtp))
        assert await worker.run_once() == 1
        await config.get_engine().dispose()
        [message] = inbox.to("reader@example.com")
    assert message["From"] == "News <n@x.test>"
    assert message["Subject"] == "Your password for comments was changed"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "password of your account was just changed" in text_of(message)
    assert "<p>" in html_of(message)
    [row] = await _mails(settings)
    assert row.status == MailStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.text_body == ""
    assert row.html_body == ""


async def test_a_server_that_is_down_or_refuses_loses_nothing(settings):
    port = free_port()
    now = datetime.now(UTC) + timedelta(seconds=1)  # after the mail is queued
    clock = [now]
    smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off", smtp_timeout_seconds=2)
    await _queue(settings)
    config = sqlalchemy_config(settings)
    worker = MailWorker(config.get_session, SmtpSender(smtp), backoff=(30, 60), clock=lambda: clock[0])
    assert await worker.run_once() == 1  # nobody listens on the port
    [row] = await _mails(settings)
    assert row.status == MailStatus.PENDING
    assert row.attempts == 1
    assert "Error" in (row.last_error or "")
    assert row.next_attempt_at >= now + timedelta(seconds=30)
    assert await worker.run_once() == 0  # not due yet
    with smtp_server(port) as (inbox, _):
        inbox.refuse = True
        clock[0] = now + timedelta(seconds=31)
        assert await worker.run_once() == 1
        [row] = await _mails(settings)
        assert row.status == MailStatus.PENDING
        assert row.attempts == 2
        assert "451" in (row.last_error or "")
        inbox.refuse = False
        clock[0] = now + timedelta(seconds=200)
        assert await worker.run_once() == 1
        assert len(inbox.to("reader@example.com")) == 1
    await config.get_engine().dispose()
    [row] = await _mails(settings)
    assert row.status == MailStatus.SENT
    assert row.attempts == 3


async def test_after_the_last_retry_a_mail_is_marked_failed(settings):
    smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls="off", smtp_timeout_seconds=2)
    await _queue(settings)
    config = sqlalchemy_config(settings)
    clock = [datetime.now(UTC) + timedelta(seconds=1)]
    worker = MailWorker(config.get_session, SmtpSender(smtp), backoff=(1,), clock=lambda: clock[0])
    await worker.run_once()
    clock[0] += timedelta(seconds=2)
    await worker.run_once()
    await config.get_engine().dispose()
    [row] = await _mails(settings)
    assert row.status == MailStatus.FAILED
    assert row.attempts == 2


async def test_without_smtp_mails_go_to_the_log_and_mail_list_shows_them(settings, caplog):
    async def work(session):
        enqueue_mail(session, to="ada@example.com", template="verify_email", context={"link": "L1NK", "hours": 48})

    await db_run(settings, work)
    config = sqlalchemy_config(settings)
    worker = MailWorker(config.get_session, None)
    with caplog.at_level("INFO"):
        assert await worker.run_once() == 1
    await config.get_engine().dispose()
    assert "ada@example.com" in caplog.text
    assert "L1NK" in caplog.text
    [row] = await _mails(settings)
    assert row.status == MailStatus.LOGGED
    assert "L1NK" in row.text_body
    result = await _invoke(CliRunner(), ["mail", "list", "--body"], settings)
    assert result.exit_code == 0, result.output
    assert "logged" in result.output
    assert "ada@example.com" in result.output
    assert "L1NK" in result.output


async def test_a_rolled_back_transaction_queues_no_mail(settings):
    config = sqlalchemy_config(settings)
    async with config.get_session() as session:
        enqueue_mail(session, to="x@example.com", template="password_changed")
        await session.flush()
        await session.rollback()
    await config.get_engine().dispose()
    assert await db_run(settings, lambda s: s.scalar(select(func.count()).select_from(MailMessage))) == 0


async def test_registration_mails_in_the_same_transaction(api):
    await api.register("new@example.com")
    r = await api.client.post("/api/v1/auth/register", json={"email": "new@example.com", "password": "x" * 12})
    assert r.status_code == 409
    mails = await _mails(api.settings)
    assert [(m.to_address, m.template) for m in mails] == [("new@example.com", "verify_email")]


async def test_the_apps_worker_delivers_registration_mail_in_the_sites_language(settings, scorer):
    from litestar.testing import AsyncTestClient

    from comments.app import create_app
    from tests.support import Api

    with smtp_server() as (inbox, port):
        smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="off")
        async with AsyncTestClient(app=create_app(smtp, toxicity=scorer)) as client:
            api = Api(client, smtp)
            await api.create_demo()

            async def german(session):
                site = await session.scalar(select(Site).where(Site.slug == "demo"))
                site.language = "de"

            await db_run(settings, german)
            r = await client.post(
                "/api/v1/auth/register?site=demo", json={"email": "leser@example.com", "password": "x" * 12}
            )
            assert r.status_code == 201
            [message] = await inbox.wait_for("leser@example.com")
    assert message["Subject"].startswith("Bestätigen Sie Ihre E-Mail-Adresse")
    assert "/account?site=demo#verify=" in text_of(message)


def test_bad_smtp_tls_setting_is_refused():
    from comments.config import Settings, SettingsError

    with pytest.raises(SettingsError, match="SMTP_TLS"):
        Settings.from_env({"COMMENTS_SMTP_TLS": "ssl"})


async def test_tls_modes_do_what_they_say(settings, tmp_path):
    """Against a server that requires STARTTLS with a certificate nobody vouches for: `starttls` upgrades
    and then refuses the certificate (no mail over unverified TLS); `off` never upgrades, so the server
    refuses the mail. Either way it stays queued."""
    from tests.smtp import self_signed_context, starttls_server

    await _queue(settings)
    clock = [datetime.now(UTC) + timedelta(seconds=1)]
    with starttls_server(self_signed_context(tmp_path)) as (inbox, port):
        errors = []
        for mode in ("starttls", "off"):
            smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls=mode, smtp_timeout_seconds=5)
            config = sqlalchemy_config(settings)
            worker = MailWorker(config.get_session, SmtpSender(smtp), backoff=(1, 1), clock=lambda: clock[0])
            assert await worker.run_once() == 1
            await config.get_engine().dispose()
            clock[0] += timedelta(seconds=2)
            [row] = await _mails(settings)
            errors.append(row.last_error or "")
        assert inbox.messages == []
    [row] = await _mails(settings)
    assert row.status == MailStatus.PENDING
    assert "CERTIFICATE_VERIFY_FAILED" in errors[0] or "certificate" in errors[0].lower(), errors
    assert "STARTTLS" in errors[1].upper(), errors
