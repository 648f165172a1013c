"""Providers for the comments package's services."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency

from comments.deps import service_providers
from comments.domain.comments.reads import ThreadReads
from comments.domain.comments.reports import ReportService
from comments.domain.comments.services import CommentService
from comments.domain.sites.deps import reads_provider

Comments = NamedDependency[CommentService]
ThreadReadsDep = NamedDependency[ThreadReads]
Reports = NamedDependency[ReportService]


def dependencies() -> dict[str, Any]:
    return {
        **service_providers(CommentService, scorer="toxicity", cache="read_cache"),
        **service_providers(ReportService),
        "thread_reads": reads_provider(ThreadReads),
    }
