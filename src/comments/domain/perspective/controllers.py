"""The Perspective-compatible routes: /perspective/v1alpha1/comments:analyze and :suggestscore.

Every answer on these routes, errors included, is in Google's shape (`{"error": {"code", "message",
"status", "details"}}`), never problem+json: Perspective clients parse Google's errors. The API key is
checked (and counted, and rate-limited) by a guard before the body is read, as Google's front end does.
"""

from __future__ import annotations

import logging
from typing import Any

from advanced_alchemy.exceptions import RepositoryError
from litestar import Controller, Request, Response, get, post, route
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody
from litestar.plugins.problem_details import ProblemDetailsException

from comments.db.engine import request_session
from comments.deps import AppSettings, service_providers
from comments.domain.perspective import mapping
from comments.domain.perspective import schemas as s
from comments.domain.perspective.discovery import discovery_document
from comments.domain.perspective.keys import PerspectiveKeyService, UsedKey
from comments.domain.perspective.services import PerspectiveService
from comments.errors import DomainError

log = logging.getLogger(__name__)

ANALYZE = "/v1alpha1/comments:analyze"
SUGGEST = "/v1alpha1/comments:suggestscore"
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}  # fmt: skip


def as_perspective_error(exc: Exception) -> mapping.PerspectiveError:
    """Any exception raised on these routes, in Google's shape. Unexpected ones are logged (without the
    request body) and answered 500 INTERNAL."""
    if isinstance(exc, mapping.PerspectiveError):
        return exc
    if isinstance(exc, ValidationException):
        problems = exc.extra if isinstance(exc.extra, list) else []
        said = "; ".join(
            f"{p.get('message', '')} (at '{p.get('key', '')}')" if isinstance(p, dict) else str(p) for p in problems
        )
        return mapping.bad_request(f"Invalid JSON payload received. {said or exc.detail}".strip())
    if isinstance(exc, HTTPException):
        if exc.status_code == 413:
            return mapping.invalid_argument("Request payload size exceeds the limit.", "COMMENT_TOO_LONG")
        if exc.status_code in (404, 405):
            return mapping.not_found()
        if exc.status_code == 400:
            return mapping.bad_request(f"Invalid JSON payload received. {exc.detail}")
        if exc.status_code < 500:
            return mapping.PerspectiveError(
                exc.status_code, _STATUS.get(exc.status_code, "FAILED_PRECONDITION"), str(exc.detail)
            )
    if isinstance(exc, DomainError) and exc.status_code < 500:
        return mapping.PerspectiveError(
            exc.status_code, _STATUS.get(exc.status_code, "FAILED_PRECONDITION"), exc.detail
        )
    log.error("perspective: unexpected %s", type(exc).__name__, exc_info=exc)
    return mapping.internal()


def perspective_error_response(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    error = as_perspective_error(exc)
    return Response(error.body(), status_code=error.code, headers=error.headers, media_type="application/json")


# Every class the app maps to problem details, overridden on these routes (handlers resolve by MRO).
EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    cls: perspective_error_response
    for cls in (
        Exception,
        HTTPException,
        ProblemDetailsException,
        DomainError,
        RepositoryError,
        mapping.PerspectiveError,
    )
}


async def requires_perspective_key(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """`?key=` or `X-Goog-Api-Key`: checked, counted and rate-limited in one committed statement."""
    key = connection.query_params.get("key") or connection.headers.get("x-goog-api-key")
    keys = PerspectiveKeyService(session=request_session(connection))
    connection.state.perspective_key = await keys.use(key, handler.opt["perspective_operation"])


def keyed_post(path: str, operation_id: str, operation: str) -> Any:
    """A scoring route: API key guard (counted as `operation`), 200 like Google, outside our own login."""
    return post(
        path,
        operation_id=operation_id,
        guards=[requires_perspective_key],
        opt={"perspective_operation": operation},
        status_code=200,
        exclude_from_auth=True,
    )


Perspective = NamedDependency[PerspectiveService]


class PerspectiveController(Controller):
    path = "/perspective"
    tags = ["perspective"]
    exception_handlers = EXCEPTION_HANDLERS
    dependencies = service_providers(PerspectiveService, scorer="toxicity")

    @keyed_post(ANALYZE, "AnalyzeComment", "analyze")
    async def analyze_comment(
        self, data: JSONBody[s.AnalyzeCommentRequest], perspective_service: Perspective
    ) -> s.AnalyzeCommentResponse:
        """Perspective's AnalyzeComment: scores for the requested attributes from our model."""
        return await perspective_service.analyze(data)

    @keyed_post(SUGGEST, "SuggestCommentScore", "suggest")
    async def suggest_comment_score(
        self,
        data: JSONBody[s.SuggestCommentScoreRequest],
        perspective_service: Perspective,
        request: Request[Any, Any, Any],
    ) -> s.SuggestCommentScoreResponse:
        """Perspective's SuggestCommentScore: a moderator's verdict, kept as feedback for the key."""
        key: UsedKey = request.state.perspective_key
        return await perspective_service.suggest(key.id, data)

    @get("/$discovery/rest", operation_id="PerspectiveDiscovery", exclude_from_auth=True)
    async def discovery(self, settings: AppSettings) -> dict[str, Any]:
        """Google's discovery document for this API (for client libraries' discoveryServiceUrl)."""
        return discovery_document(settings.public_url.rstrip("/") + "/perspective/")

    @route(
        [ANALYZE, SUGGEST],
        http_method=[HttpMethod.GET, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE],
        include_in_schema=False,
        exclude_from_auth=True,
    )
    async def wrong_method(self) -> None:
        raise mapping.not_found()

    @route(
        "/{rest:path}",
        http_method=[HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE],
        include_in_schema=False,
        exclude_from_auth=True,
    )
    async def unknown(self, rest: FromPath[str]) -> None:
        raise mapping.not_found(f"Method not found: {rest[:100]}")
