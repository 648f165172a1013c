"""App-wide dependency providers (settings, the request's database session). Each domain package keeps
its own services' providers in its `deps.py`; create_app merges them. This module imports no domain
package, so any of them may use it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from comments.config import Settings


async def provide_settings(state: State) -> Settings:
    return state.settings


# Handlers declare what they need by name (Litestar 3 drops inferred dependencies).
DbSession = NamedDependency[AsyncSession]
AppSettings = NamedDependency[Settings]


def dependencies() -> dict[str, Any]:
    return {"settings": Provide(provide_settings)}


# Path parameters, declared explicitly (Litestar deprecates inferring them from the name).
Slug = FromPath[str]
"""A `{site}` or `{article}` path segment."""
PathId = FromPath[UUID]
