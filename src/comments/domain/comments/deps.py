"""Providers for the comments package's services."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import DbSession
from comments.domain.comments.reads import ThreadReads
from comments.domain.comments.reports import ReportService
from comments.domain.comments.services import CommentService


async def provide_comments_service(db_session: DbSession, state: State) -> CommentService:
    return CommentService(session=db_session, scorer=state.toxicity, cache=state.read_cache)


async def provide_thread_reads(state: State, request: Request[Any, Any, Any]) -> ThreadReads:
    """The public reads' front: no session on a cache hit (see comments.reads)."""
    return ThreadReads(request, state.read_cache, state.probe)


Comments = NamedDependency[CommentService]
ThreadReadsDep = NamedDependency[ThreadReads]
Reports = NamedDependency[ReportService]


def dependencies() -> dict[str, Any]:
    return {
        "comments_service": Provide(provide_comments_service),
        "thread_reads": Provide(provide_thread_reads),
        "reports_service": Provide(create_service_provider(ReportService)),
    }
