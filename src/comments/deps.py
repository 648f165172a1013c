"""App-wide dependency providers (settings, the request's database session), the one way a package builds
a provider for its services, and the parameter types handlers share. Each domain package keeps its own
services' providers in its `deps.py`; create_app merges them. This module imports no domain package, so
any of them may use it."""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Annotated, Any
from uuid import UUID

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings


async def provide_settings(state: State) -> Settings:
    return state.settings


# Handlers declare what they need by name (Litestar 3 drops inferred dependencies).
DbSession = NamedDependency[AsyncSession]
AppSettings = NamedDependency[Settings]


def dependencies() -> dict[str, Any]:
    return {"settings": Provide(provide_settings)}


def service_providers(*services: type[Any], **from_state: str) -> dict[str, Provide]:
    """A provider for each service class that builds it on the request's session, under the class's name
    in snake case (`NoticeService` is `notice_service`: a handler's parameter of that name gets it).
    Keyword arguments name what else each of these services is given, as a dotted path on the app state,
    read per request: `service_providers(RulesService, scorer="toxicity")` builds
    `RulesService(session=db_session, scorer=state.toxicity)`."""
    picks = {name: attrgetter(path) for name, path in from_state.items()}

    def provider(service: type[Any]) -> Provide:
        async def provide(db_session: DbSession, state: State) -> Any:
            return service(session=db_session, **{name: pick(state) for name, pick in picks.items()})

        return Provide(provide)

    return {_snake_case(service.__name__): provider(service) for service in services}


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Path parameters, declared explicitly (Litestar deprecates inferring them from the name).
Slug = FromPath[str]
"""A `{site}` or `{article}` path segment."""
PathId = FromPath[UUID]

# Query parameters several packages' routes take.
Cursor = Annotated[str | None, QueryParameter(max_length=200)]
"""The opaque cursor of a keyset-paged list (the moderation queue's, which holds a score, is longer)."""
Limit = Annotated[int, QueryParameter(ge=1, le=100)]
"""A page's size; each route gives its default."""
SiteFilter = Annotated[str | None, QueryParameter(max_length=64)]
"""`?site=`, an optional site slug (a reader's own records on one site, or the site a mail links to)."""
