"""Providers for the audit log's read side."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency

from comments.deps import service_providers
from comments.domain.audit.reader import AuditLogService

AuditLog = NamedDependency[AuditLogService]


def dependencies() -> dict[str, Any]:
    return service_providers(AuditLogService)
