"""Every moderation controller, for create_app."""

from comments.domain.moderation.controllers import ModeratedCommentController, QueueController, ReportController
from comments.domain.moderation.people_controllers import MemberController, MySanctionController, SanctionController
from comments.domain.moderation.webhooks.controllers import WebhookController

MODERATION_CONTROLLERS = [
    QueueController,
    ModeratedCommentController,
    ReportController,
    SanctionController,
    MySanctionController,
    MemberController,
    WebhookController,
]
