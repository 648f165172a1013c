"""Domain errors, and their one mapping to RFC 9457 problem details.

Services raise these (no HTTP types in services); app.py registers `problem_response` for every exception.
Each problem `type` is a relative URI under /problems/ (listed in docs/api.md).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError, NotFoundError, RepositoryError
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import ProblemDetailsException

from comments.requests import request_id
from comments.retry import mark_for_retry

log = logging.getLogger("comments.errors")


class DomainError(Exception):
    """A problem a service refuses with. Each subclass that is its own problem type says so in its header:
    `class ThreadClosed(Conflict, code="thread-closed", title="This thread is closed")`; the status comes
    from the base unless given."""

    status_code = 400
    code = "bad-request"
    title = "Bad request"
    _codes: ClassVar[set[str]] = {"bad-request"}

    def __init_subclass__(cls, *, code: str = "", title: str = "", status_code: int = 0, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if bool(code) != bool(title):
            raise TypeError(f"{cls.__name__}: a problem type has both a code and a title")
        if code in DomainError._codes:
            raise TypeError(f"{cls.__name__}: the problem type {code!r} exists already")  # one class per type URI
        if code:
            DomainError._codes.add(code)
            cls.code, cls.title = code, title
        cls.status_code = status_code or cls.status_code

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(DomainError, status_code=404, code="not-found", title="Not found"): ...


class NoSuchSite(NotFound):
    def __init__(self, slug: str | None) -> None:
        super().__init__(f"There is no site '{slug}'.")


class NoSuchArticle(NotFound):
    def __init__(self, article: str, site_slug: str) -> None:
        super().__init__(f"There is no article '{article}' on site '{site_slug}'.")


class Unauthenticated(DomainError, status_code=401, code="unauthenticated", title="Log in first"): ...


class InvalidToken(DomainError, code="invalid-token", title="This link is not valid any more"):
    """A verification or reset link that is wrong, used or expired (which of these is not said)."""


class SsoRejected(Unauthenticated, code="sso-rejected", title="The sign-in token was not accepted"):
    """A publisher's single-sign-on token that does not verify: signature, site, expiry or claims."""


class Forbidden(DomainError, status_code=403, code="forbidden", title="Not allowed"): ...


class ProfileIncomplete(Forbidden, code="profile-incomplete", title="Complete your personal details to comment"): ...


class Sanctioned(Forbidden, code="sanctioned", title="You cannot comment on this site right now"): ...


class WarningNotAcknowledged(
    Forbidden, code="warning-unacknowledged", title="Acknowledge the moderators' warning first"
): ...


class Conflict(DomainError, status_code=409, code="conflict", title="Conflict"): ...


class ThreadClosed(Conflict, code="thread-closed", title="This thread is closed"): ...


class StaleDecision(Conflict, code="stale-decision", title="This comment changed since you loaded it"):
    """A moderator decided on a comment whose state changed since they loaded it; `current` says how."""


class ClaimedByOther(Conflict, code="claimed", title="Another moderator is working on this comment"): ...


class AlreadyReported(Conflict, code="already-reported", title="You already reported this comment"): ...


class InvalidInput(DomainError, status_code=422, code="invalid-input", title="Some fields are not valid"):
    """Well-formed JSON that breaks a rule about its values; `errors` lists every problem by field."""


class PayloadTooLarge(DomainError, status_code=413, code="payload-too-large", title="Too large"): ...


class RateLimited(DomainError, status_code=429, code="rate-limited", title="Too many requests"):
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
