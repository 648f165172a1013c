"""Site admins manage their webhooks and read the delivery log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from comments.clock import utcnow
from comments.db import DeliveryStatus, Site, Webhook, WebhookDelivery
from comments.db.lookups import site_by_slug
from comments.db.service import Service
from comments.domain.accounts.services import CurrentUser
from comments.domain.audit import record
from comments.domain.sites.services import origin_of
from comments.domain.webhooks import schemas as s
from comments.domain.webhooks.outbox import PING, enqueue_event
from comments.domain.webhooks.signing import new_secret
from comments.domain.webhooks.targets import saved_url_problem
from comments.errors import InvalidInput, NotFound
from comments.netaddr import normalise_url
from comments.pagination import keyset_page

MAX_WEBHOOKS_PER_SITE = 10


def _check_url(url: str, *, allow_private_targets: bool) -> str:
    url = url.strip()
    if origin_of(url) is None:
        raise InvalidInput(
            "The webhook URL is not valid.",
            errors=[{"pointer": "/url", "message": "Use an http(s) URL, e.g. https://news.example.com/hooks"}],
        )
    if not allow_private_targets and (problem := saved_url_problem(url)):
        raise InvalidInput(
            "Webhooks go to public addresses only.",
            errors=[{"pointer": "/url", "message": f"{problem} The operator can allow private targets."}],
        )
    return normalise_url(url)  # stored as parsers read it: an address in an odd spelling as the address


def _view(hook: Webhook, *, secret: bool = False) -> s.Webhook:
    return s.Webhook(
        id=hook.id,
        url=hook.url,
        events=list(hook.events or []),
        description=hook.description,
        active=hook.active,
        created_at=hook.created_at,
        updated_at=hook.updated_at,
        secret=hook.secret if secret else None,
    )


def _audited(hook: Webhook) -> dict[str, Any]:
    return {"id": str(hook.id), "url": hook.url, "events": list(hook.events or []), "active": hook.active}


def _delivery(row: WebhookDelivery) -> s.Delivery:
    return s.Delivery(
        id=row.id,
        event=row.event,
        status=str(row.status),  # type: ignore[arg-type]
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == DeliveryStatus.PENDING else None,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        body=row.body,
    )


class WebhookService(Service[Webhook]):
    model_type = Webhook

    def __init__(self, session: AsyncSession, *, allow_private_targets: bool = False, **kwargs: Any) -> None:
        super().__init__(session=session, **kwargs)
        self.allow_private_targets = allow_private_targets

    async def list_webhooks(self, slug: str) -> s.WebhookList:
        site = await site_by_slug(self.session, slug)
        hooks = await self.session.scalars(
            select(Webhook).where(Webhook.site_id == site.id).order_by(Webhook.created_at, Webhook.id)
        )
        return s.WebhookList(items=[_view(h) for h in hooks])

    async def create_webhook(self, slug: str, data: s.WebhookCreate, user: CurrentUser) -> s.Webhook:
        site = await site_by_slug(self.session, slug)
        url = _check_url(data.url, allow_private_targets=self.allow_private_targets)
        if await self.count(Webhook.site_id == site.id) >= MAX_WEBHOOKS_PER_SITE:
            raise InvalidInput(f"A site can have at most {MAX_WEBHOOKS_PER_SITE} webhooks.")
        hook = Webhook(
            site_id=site.id,
            url=url,
            secret=new_secret(),
            events=sorted(set(data.events)),
            description=data.description.strip(),
            active=data.active,
            created_by=user.id,
        )
        self.session.add(hook)
        await self.session.flush()
        record(self.session, site_id=site.id, action="webhook.created", actor_id=user.id, after=_audited(hook))
        await self.session.commit()
        return _view(hook, secret=True)

    async def get_webhook(self, slug: str, webhook_id: UUID) -> s.Webhook:
        site = await site_by_slug(self.session, slug)
        return _view(await self._hook(site, webhook_id))

    async def update_webhook(self, slug: str, webhook_id: UUID, data: s.WebhookUpdate, user: CurrentUser) -> s.Webhook:
        site = await site_by_slug(self.session, slug)
        hook = await self._hook(site, webhook_id)
        before = _audited(hook)
        if data.url is not msgspec.UNSET:
            hook.url = _check_url(data.url, allow_private_targets=self.allow_private_targets)
        if data.events is not msgspec.UNSET:
            hook.events = sorted(set(data.events))
        if data.description is not msgspec.UNSET:
            hook.description = data.description.strip()
        if data.active is not msgspec.UNSET:
            hook.active = data.active
        if data.rotate_secret:
            hook.secret = new_secret()
        after = _audited(hook) | ({"secret_rotated": True} if data.rotate_secret else {})
        record(self.session, site_id=site.id, action="webhook.updated", actor_id=user.id, before=before, after=after)
        await self.session.commit()
        return _view(hook, secret=data.rotate_secret)

    async def delete_webhook(self, slug: str, webhook_id: UUID, user: CurrentUser) -> None:
        site = await site_by_slug(self.session, slug)
        hook = await self._hook(site, webhook_id)
        record(self.session, site_id=site.id, action="webhook.deleted", actor_id=user.id, before=_audited(hook))
        await self.session.delete(hook)
        await self.session.commit()

    async def deliveries(
        self,
        slug: str,
        webhook_id: UUID,
        *,
        status: str | None,
        cursor: str | None,
        limit: int,
    ) -> s.DeliveryPage:
        """The delivery log, newest first."""
        site = await site_by_slug(self.session, slug)
        hook = await self._hook(site, webhook_id)
        query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
        if status:
            query = query.where(WebhookDelivery.status == DeliveryStatus(status))
        columns = (WebhookDelivery.created_at, WebhookDelivery.id)
        page = await keyset_page(self.session, query, columns, cursor, limit, descending=True, scalars=True)
        return s.DeliveryPage(items=[_delivery(r) for r in page.rows], next_cursor=page.next_cursor)

    async def retry_delivery(self, slug: str, webhook_id: UUID, delivery_id: UUID) -> s.Delivery:
        """Send a delivery again now (a failed one gets a fresh set of retries)."""
        site = await site_by_slug(self.session, slug)
        hook = await self._hook(site, webhook_id)
        row = await self.session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == hook.id)
        )
        if row is None:
            raise NotFound("There is no such delivery.")
        row.status = DeliveryStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = utcnow()
        row.locked_until = None
        await self.session.commit()
        return _delivery(row)

    async def ping(self, slug: str, webhook_id: UUID) -> s.Delivery:
        """Queue a `ping` event to this webhook, to check the receiver and its signature check."""
        site = await site_by_slug(self.session, slug)
        hook = await self._hook(site, webhook_id)
        [row] = await enqueue_event(self.session, site.id, PING, {"webhook_id": hook.id}, webhook=hook)
        await self.session.flush()
        await self.session.commit()
        return _delivery(row)

    async def _hook(self, site: Site, webhook_id: UUID) -> Webhook:
        hook = await self.session.scalar(select(Webhook).where(Webhook.id == webhook_id, Webhook.site_id == site.id))
        if hook is None:
            raise NotFound("There is no such webhook on this site.")
        return hook
