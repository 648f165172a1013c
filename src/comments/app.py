"""create_app(settings): the one place where plugins, routes, dependencies and error handlers meet."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import ResponseHeader, State
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

import comments
from comments import deps
from comments.apidocs import SelfHostedSwagger, openapi_router
from comments.config import Settings
from comments.db.engine import sqlalchemy_config
from comments.db.probe import VersionProbe
from comments.domain import compliance
from comments.domain.accounts import deps as accounts_deps
from comments.domain.accounts.auth import BearerTokenMiddleware
from comments.domain.accounts.controllers import AuthController, MeController
from comments.domain.accounts.passwords import Passwords
from comments.domain.accounts.retention import RetentionJob
from comments.domain.audit import deps as audit_deps
from comments.domain.comments import deps as comments_deps
from comments.domain.comments.controllers import CommentController, ThreadController
from comments.domain.mail import MailWorker, SmtpSender
from comments.domain.moderation import deps as moderation_deps
from comments.domain.moderation.controllers import (
    ModeratedCommentController,
    MySanctionController,
    QueueController,
    SanctionController,
)
from comments.domain.perspective import PerspectiveController, metrics_text, redact_keys_in_access_log
from comments.domain.rules_admin import deps as rules_admin_deps
from comments.domain.rules_admin.controllers import RulesController
from comments.domain.sites import deps as sites_deps
from comments.domain.sites.controllers import MemberController, SiteController
from comments.domain.sites.readcache import ReadCache
from comments.domain.system.controllers import SystemController
from comments.domain.web import WebController, static_files_router, template_config
from comments.domain.webhooks import WebhookWorker
from comments.domain.webhooks import deps as webhooks_deps
from comments.domain.webhooks.controllers import WebhookController
from comments.errors import problem_response
from comments.requests import AppRequest, add_request_id_header
from comments.retry import RetryOnLostConnection

PUBLIC_PATHS = ["^/schema", "^/health$"]
"""/ready is not here: it reads the caller, to show superadmins the details."""


def create_app(settings: Settings | None = None, *, toxicity: Any = None) -> Litestar:
    """Build the application. `toxicity` overrides the scorer built from settings (tests pass a fake)."""
    settings = settings or Settings.from_env()
    db = sqlalchemy_config(settings)
    scorer = toxicity if toxicity is not None else _toxicity_runner(settings)
    compliance.install()  # statements of reasons from the audit entries of decisions
    webhooks = WebhookWorker(db.get_session, allow_private_targets=settings.webhook_private_targets)
    redact_keys_in_access_log()  # Perspective clients send their key in the URL
    probe = VersionProbe.for_settings(settings)
    sender = SmtpSender(settings) if settings.smtp_enabled else None
    mail = MailWorker(db.get_session, sender, mail_from=settings.mail_from)
    retention = RetentionJob(db.get_session, settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        if scorer is not None and hasattr(scorer, "start"):
            scorer.start()  # loads the model in its own thread; /ready says when it is done
        webhooks.start()  # sends the webhook outbox in the background
        mail.start()  # and the mail outbox
        retention.start()  # purges old client addresses hourly
        try:
            yield
        finally:
            await retention.stop()
            await mail.stop()
            await webhooks.stop()
            if probe is not None:
                await probe.close()
            if scorer is not None and hasattr(scorer, "stop"):
                await scorer.stop()

    return Litestar(
        route_handlers=[
            SystemController,
            AuthController,
            MeController,
            SiteController,
            ThreadController,
            CommentController,
            RulesController,
            QueueController,
            ModeratedCommentController,
            SanctionController,
            MySanctionController,
            MemberController,
            WebhookController,
            *compliance.DSA_CONTROLLERS,
            WebController,
            PerspectiveController,
            static_files_router(),
        ],
        template_config=template_config(),
        plugins=[
            SQLAlchemyPlugin(config=db),
        ],
        # Every error becomes problem details with a request id; 5xx are logged there, once.
        exception_handlers={Exception: problem_response},
        logging_config=LoggingConfig(log_exceptions="never"),
        request_class=AppRequest,
        before_send=[add_request_id_header],
        # OPTIONS too: Litestar's automatic OPTIONS handlers carry the routes' guards, which read the user.
        middleware=[
            RetryOnLostConnection,  # outermost: a lost connection in authentication is retried too
            DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS, exclude_http_methods=[]),
        ],
        dependencies=dependencies(),
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "passwords": Passwords(settings),
                "sqlalchemy_config": db,
                "toxicity": scorer,
                "webhooks": webhooks,
                "metric_sources": [metrics_text],  # /metrics asks each for its lines
                "read_cache": ReadCache(settings.read_cache_entries),
                "probe": probe,
                "mail": mail,
            }
        ),
        request_max_body_size=settings.max_request_body_bytes,
        response_headers=[ResponseHeader(name="X-Content-Type-Options", value="nosniff")],
        cors_config=CORSConfig(allow_origins=["*"], allow_methods=["GET"], allow_headers=["Authorization"]),
        openapi_config=OpenAPIConfig(
            title="comments",
            version=comments.__version__,
            description="Embeddable comment service for news sites. See docs/api.md.",
            path="/schema",
            render_plugins=[SelfHostedSwagger()],
            openapi_router=openapi_router(),
        ),
        debug=settings.debug,
    )


def dependencies() -> dict[str, Any]:
    """Every package's providers (each package keeps its own in its deps.py)."""
    packages = (deps, accounts_deps, sites_deps, audit_deps, comments_deps, rules_admin_deps, moderation_deps)
    modules = (*packages, webhooks_deps, compliance)
    return {name: provider for module in modules for name, provider in module.dependencies().items()}


def _toxicity_runner(settings: Settings) -> Any:
    if not settings.toxicity_enabled:
        return None
    from comments.domain.toxicity import BatchingRunner

    return BatchingRunner.from_settings(settings)
