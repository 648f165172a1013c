"""Providers for the audit log's read side."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.di import NamedDependency, Provide

from comments.domain.audit.reader import AuditLogService

AuditLog = NamedDependency[AuditLogService]


def dependencies() -> dict[str, Any]:
    return {"audit_log_service": Provide(create_service_provider(AuditLogService))}
