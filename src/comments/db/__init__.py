"""SQLAlchemy models, one module per aggregate. Importing this package registers every table on the
metadata that Alembic compares against."""

from comments.db.accounts import (
    AccountToken,
    LoginFailure,
    Profile,
    ResetRequest,
    RulesAcceptance,
    SessionToken,
    SsoIdentity,
    User,
)
from comments.db.audit import AuditEntry
from comments.db.base import metadata
from comments.db.comments import Comment, CommentStatus, IdempotencyRecord
from comments.db.compliance import Appeal, ComplianceMessage, Notice, NotifierSuspension, StatementOfReasons
from comments.db.mail import MailMessage, MailStatus
from comments.db.moderation import Claim, DeliveryStatus, Report, Webhook, WebhookDelivery
from comments.db.perspective import PerspectiveFeedback, PerspectiveKey
from comments.db.sites import Article, Membership, Role, Sanction, SanctionKind, Site

__all__ = (
    "AccountToken",
    "Appeal",
    "Article",
    "AuditEntry",
    "Claim",
    "Comment",
    "CommentStatus",
    "ComplianceMessage",
    "DeliveryStatus",
    "IdempotencyRecord",
    "LoginFailure",
    "MailMessage",
    "MailStatus",
    "Membership",
    "Notice",
    "NotifierSuspension",
    "PerspectiveFeedback",
    "PerspectiveKey",
    "Profile",
    "Report",
    "ResetRequest",
    "Role",
    "RulesAcceptance",
    "Sanction",
    "SanctionKind",
    "SessionToken",
    "Site",
    "SsoIdentity",
    "StatementOfReasons",
    "User",
    "Webhook",
    "WebhookDelivery",
    "metadata",
)
