from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter

from comments.deps import Cursor, Limit, PathId, Slug
from comments.domain.accounts.deps import Me
from comments.domain.sites.roles import requires_site_admin
from comments.domain.webhooks import schemas as s
from comments.domain.webhooks.deps import Webhooks


class WebhookController(Controller):
    """Site admins: webhooks for moderation events, signed with HMAC-SHA256 (docs/moderation.md)."""

    path = "/api/v1/sites/{site:str}/webhooks"
    tags = ["moderation"]
    guards = [requires_site_admin]

    @get("/", operation_id="ListWebhooks")
    async def list_webhooks(self, site: Slug, webhook_service: Webhooks) -> s.WebhookList:
        return await webhook_service.list_webhooks(site)

    @post("/", operation_id="CreateWebhook")
    async def create_webhook(
        self, site: Slug, data: JSONBody[s.WebhookCreate], webhook_service: Webhooks, current_user: Me
    ) -> s.Webhook:
        """201 with the signing secret, shown this once."""
        return await webhook_service.create_webhook(site, data, current_user)

    @get("/{webhook_id:uuid}", operation_id="GetWebhook")
    async def get_webhook(self, site: Slug, webhook_id: PathId, webhook_service: Webhooks) -> s.Webhook:
        return await webhook_service.get_webhook(site, webhook_id)

    @patch("/{webhook_id:uuid}", operation_id="UpdateWebhook")
    async def update_webhook(
        self,
        site: Slug,
        webhook_id: PathId,
        data: JSONBody[s.WebhookUpdate],
        webhook_service: Webhooks,
        current_user: Me,
    ) -> s.Webhook:
        """Change the URL, events, description or active flag; `rotate_secret` answers with a new secret."""
        return await webhook_service.update_webhook(site, webhook_id, data, current_user)

    @delete("/{webhook_id:uuid}", operation_id="DeleteWebhook", status_code=204)
    async def delete_webhook(self, site: Slug, webhook_id: PathId, webhook_service: Webhooks, current_user: Me) -> None:
        """Remove the webhook and its delivery log."""
        await webhook_service.delete_webhook(site, webhook_id, current_user)

    @get("/{webhook_id:uuid}/deliveries", operation_id="ListWebhookDeliveries")
    async def list_deliveries(
        self,
        site: Slug,
        webhook_id: PathId,
        webhook_service: Webhooks,
        status: Annotated[Literal["pending", "delivered", "failed"] | None, QueryParameter()] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> s.DeliveryPage:
        """The delivery log, newest first: attempts, last status code or error, the exact body sent."""
        return await webhook_service.deliveries(site, webhook_id, status=status, cursor=cursor, limit=limit)

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/retry", operation_id="RetryWebhookDelivery", status_code=202
    )
    async def retry_delivery(
        self, site: Slug, webhook_id: PathId, delivery_id: PathId, webhook_service: Webhooks
    ) -> s.Delivery:
        """Send it again now (202: the worker sends it shortly)."""
        return await webhook_service.retry_delivery(site, webhook_id, delivery_id)

    @post("/{webhook_id:uuid}/ping", operation_id="PingWebhook", status_code=202)
    async def ping(self, site: Slug, webhook_id: PathId, webhook_service: Webhooks) -> s.Delivery:
        """Queue a signed `ping` event to this webhook (202: the worker sends it shortly)."""
        return await webhook_service.ping(site, webhook_id)
