"""The base of every repository service: advanced-alchemy's, with its repository made from the
service's `model_type` (instead of an inner Repo class in each service) and the session at hand."""

from __future__ import annotations

import types
from typing import Any, ClassVar, TypeVar

from advanced_alchemy.base import ModelProtocol
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy.ext.asyncio import AsyncSession

ModelT = TypeVar("ModelT", bound=ModelProtocol)


class Service(SQLAlchemyAsyncRepositoryService[ModelT]):
    model_type: ClassVar[type[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = cls.__dict__.get("model_type")
        if model is not None:
            cls.repository_type = types.new_class(
                f"{model.__name__}Repository",
                (SQLAlchemyAsyncRepository[model],),
                exec_body=lambda namespace: namespace.update(model_type=model),
            )

    @property
    def session(self) -> AsyncSession:
        return self.repository.session


S = TypeVar("S")


def view(struct_type: type[S], row: Any, **values: Any) -> S:
    """A response struct from an ORM row: each field from the row's attribute of the same name, unless
    given in `values` (computed or renamed fields)."""
    names = struct_type.__struct_fields__  # type: ignore[attr-defined]
    return struct_type(**{name: values[name] if name in values else getattr(row, name) for name in names})
