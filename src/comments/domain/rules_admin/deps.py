"""Providers for the rules admin API."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from comments.deps import DbSession
from comments.domain.rules_admin.services import RulesService


async def provide_rules_service(db_session: DbSession, state: State) -> RulesService:
    return RulesService(session=db_session, scorer=state.toxicity)


Rules = NamedDependency[RulesService]


def dependencies() -> dict[str, Any]:
    return {"rules_service": Provide(provide_rules_service)}
