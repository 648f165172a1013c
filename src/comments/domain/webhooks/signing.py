"""Webhook signatures: HMAC-SHA256 of the exact request body with the webhook's secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Comments-Signature"
EVENT_HEADER = "X-Comments-Event"
DELIVERY_HEADER = "X-Comments-Delivery"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The header value: `sha256=<hex digest>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does (docs/moderation.md shows it standalone): compare in constant time."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header or "")
