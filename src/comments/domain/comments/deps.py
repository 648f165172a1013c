"""Providers for the comments package's services."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import DbSession
from comments.domain.comments.reports import ReportService
from comments.domain.comments.services import CommentService


async def provide_comments_service(db_session: DbSession, state: State) -> CommentService:
    return CommentService(session=db_session, scorer=state.toxicity)


Comments = NamedDependency[CommentService]
Reports = NamedDependency[ReportService]


def dependencies() -> dict[str, Any]:
    return {
        "comments_service": Provide(provide_comments_service),
        "reports_service": Provide(create_service_provider(ReportService)),
    }
