"""What every request gets before any handler: an id that its answer and its log lines carry, and a
nesting limit on JSON bodies (msgspec recurses, so ~1,000 levels would otherwise be a RecursionError)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ClientException, HTTPException, InternalServerException

MAX_JSON_DEPTH = 32
"""No body this API accepts nests deeper than a few levels (a rule set document: about 5)."""

_SCOPE_KEY = "comments_request_id"


def request_id(scope: Any) -> str:
    """This request's id, made on first use (the exception handler and the response header share it)."""
    rid = scope.get(_SCOPE_KEY)
    if rid is None:
        rid = scope[_SCOPE_KEY] = uuid.uuid4().hex
    return rid


async def add_request_id_header(message: Any, scope: Any) -> None:
    """before_send hook: every HTTP response says X-Request-Id, routed or not."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)["X-Request-Id"] = request_id(scope)


class JsonTooDeep(ClientException):
    def __init__(self) -> None:
        super().__init__(detail=f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether containers nest deeper than `limit` (iterative: the check must not recurse either)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class ClientGone(HTTPException):
    """The client hung up before its body arrived (nginx calls this 499): nobody reads the answer, and it
    is no fault of ours, so not a 500."""

    status_code = 499


class AppRequest(Request[Any, Any, Any]):
    async def stream(self) -> AsyncGenerator[bytes, None]:
        try:
            async for chunk in super().stream():
                yield chunk
        except InternalServerException as exc:
            if "disconnected" not in str(exc.detail):
                raise
            raise ClientGone(detail="The client disconnected before sending its body.") from None

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            raise JsonTooDeep() from None
        body = await self.body()
        # Cheap count first: a body with few brackets cannot nest deep, and most bodies are small.
        if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and json_depth_exceeds(value):
            raise JsonTooDeep()
        return value
