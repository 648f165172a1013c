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
