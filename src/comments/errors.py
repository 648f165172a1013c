"""Domain errors, and their one mapping to RFC 9457 problem details.

Services raise these (no HTTP types in services); app.py registers `problem_response` for every exception.
Each problem `type` is a relative URI under /problems/ (listed in docs/api.md).
"""

from __future__ import annotations

import logging
from typing import Any

from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError, NotFoundError, RepositoryError
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import ProblemDetailsException

from comments.requests import request_id
from comments.retry import mark_for_retry

log = logging.getLogger("comments.errors")


class DomainError(Exception):
    status_code = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(DomainError):
    status_code, code, title = 404, "not-found", "Not found"


class NoSuchSite(NotFound):
    def __init__(self, slug: str | None) -> None:
        super().__init__(f"There is no site '{slug}'.")


class NoSuchArticle(NotFound):
    def __init__(self, article: str, site_slug: str) -> None:
        super().__init__(f"There is no article '{article}' on site '{site_slug}'.")


class Unauthenticated(DomainError):
    status_code, code, title = 401, "unauthenticated", "Log in first"


class InvalidToken(DomainError):
    """A verification or reset link that is wrong, used or expired (which of these is not said)."""

    status_code, code, title = 400, "invalid-token", "This link is not valid any more"


class SsoRejected(Unauthenticated):
    """A publisher's single-sign-on token that does not verify: signature, site, expiry or claims."""

    code, title = "sso-rejected", "The sign-in token was not accepted"


class Forbidden(DomainError):
    status_code, code, title = 403, "forbidden", "Not allowed"


class ProfileIncomplete(Forbidden):
    code, title = "profile-incomplete", "Complete your personal details to comment"


class Sanctioned(Forbidden):
    code, title = "sanctioned", "You cannot comment on this site right now"


class WarningNotAcknowledged(Forbidden):
    code, title = "warning-unacknowledged", "Acknowledge the moderators' warning first"


class Conflict(DomainError):
    status_code, code, title = 409, "conflict", "Conflict"


class ThreadClosed(Conflict):
    code, title = "thread-closed", "This thread is closed"


class StaleDecision(Conflict):
    """A moderator decided on a comment whose state changed since they loaded it; `current` says how."""

    code, title = "stale-decision", "This comment changed since you loaded it"


class ClaimedByOther(Conflict):
    code, title = "claimed", "Another moderator is working on this comment"


class AlreadyReported(Conflict):
    code, title = "already-reported", "You already reported this comment"


class InvalidInput(DomainError):
    """Well-formed JSON that breaks a rule about its values; `errors` lists every problem by field."""

    status_code, code, title = 422, "invalid-input", "Some fields are not valid"


class PayloadTooLarge(DomainError):
    status_code, code, title = 413, "payload-too-large", "Too large"


class RateLimited(DomainError):
    status_code, code, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **extra)


def _problem_type(code: str) -> str:
    return f"/problems/{code}"


def domain_to_problem(exc: DomainError) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=exc.status_code,
        type_=_problem_type(exc.code),
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        extra=exc.extra or None,
    )


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
}


def http_to_problem(exc: HTTPException) -> ProblemDetailsException:
    """Litestar's own errors (bad JSON, wrong types, unknown routes, oversize bodies) as problem details."""
    extra: dict[str, Any] | None = None
    if isinstance(exc.extra, list) and exc.extra:
        # msgspec validation: [{"message": ..., "key": ..., "source": ...}] -> errors with a pointer each.
        extra = {"errors": [_validation_error(e) for e in exc.extra]}
    elif isinstance(exc.extra, dict):
        extra = exc.extra
    status = exc.status_code
    code = _HTTP_CODES.get(status, "internal-error" if status >= 500 else "bad-request")
    return ProblemDetailsException(
        status_code=status,
        type_=_problem_type(code),
        title=str(exc.detail) if status < 500 else "Internal server error",
        detail=str(exc.detail) if status < 500 else "Something went wrong on our side.",
        headers=exc.headers,
        extra=extra,
    )


def _validation_error(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        return {"message": str(item)}
    key = item.get("key") or ""
    pointer = "/" + key.lstrip("$.").replace(".", "/") if key else ""
    return {"pointer": pointer, "message": item.get("message", ""), "source": item.get("source", "body")}


def repository_to_problem(exc: RepositoryError) -> ProblemDetailsException:
    if isinstance(exc, NotFoundError):
        return ProblemDetailsException(status_code=404, type_=_problem_type("not-found"), title="Not found")
    if isinstance(exc, DuplicateKeyError | IntegrityError):
        return ProblemDetailsException(
            status_code=409, type_=_problem_type("conflict"), title="Conflict", detail="It already exists."
        )
    return ProblemDetailsException(status_code=500, type_=_problem_type("internal-error"), title="Internal error")


def problem_summary(exc: DomainError) -> dict[str, Any]:
    """`status`, `type` and `detail` of a domain error, for answers that report several outcomes in one
    body (bulk decisions, a dry run's refused gate): the same type URI as the problem response would have."""
    return {"status": exc.status_code, "type": _problem_type(exc.code), "detail": exc.detail}


def to_problem(exc: Exception) -> ProblemDetailsException:
    if isinstance(exc, ProblemDetailsException):
        return exc
    if isinstance(exc, DomainError):
        return domain_to_problem(exc)
    if isinstance(exc, RepositoryError):
        return repository_to_problem(exc)
    if isinstance(exc, HTTPException):
        return http_to_problem(exc)
    return ProblemDetailsException(
        status_code=500,
        type_=_problem_type("internal-error"),
        title="Internal server error",
        detail="Something went wrong on our side.",
    )


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """The one exception handler (app.py registers it for Exception): every error as problem details with
    the request's id; a 5xx is logged here, once, with its traceback (Litestar's own logging is off)."""
    problem = to_problem(exc)
    rid = request_id(request.scope)
    if mark_for_retry(request.scope, exc):
        pass  # retry.py runs the request again; this answer is dropped, so not an error yet
    elif problem.status_code >= 500:
        path, status = request.url.path, problem.status_code
        log.error("%s %s failed with %s (request_id=%s)", request.method, path, status, rid, exc_info=exc)
    extra = problem.extra if isinstance(problem.extra, dict) else {"extra": problem.extra} if problem.extra else {}
    problem.extra = {**extra, "request_id": rid}
    return problem.to_response(request)
