"""Security headers for the pages this service renders: Content-Security-Policy, nosniff, Referrer-Policy.

Every page runs only scripts and styles from this service (files, never inline), and assigns no strings to
HTML sinks (Trusted Types with no policy: `innerHTML = data` throws). Only the widget page may be framed,
and only by its site's allowed origins (`frame-ancestors`); the other pages may not be framed at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from comments.csp import OWN_FILES_ONLY

ORIGIN = re.compile(
    r"^https?://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$"
)
"""What an allowed origin looks like once normalised (sites.services.origin_of). Anything else is left out
of a header rather than trusted: an origin is copied into `frame-ancestors` verbatim."""

_BASE = (
    *OWN_FILES_ONLY,
    "form-action 'self'",
    "base-uri 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
)

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""On every response of the web package (pages, embed.js, static files)."""


def safe_origins(origins: Iterable[str]) -> list[str]:
    return sorted({o for o in origins if ORIGIN.match(o)})


def content_security_policy(*, frame_ancestors: Iterable[str] = (), frame_self: bool = False) -> str:
    """The policy for a page. `frame_ancestors`: the origins that may frame it (none: no one may);
    `frame_self`: the page itself frames this service (the demo page embeds the widget)."""
    ancestors = safe_origins(frame_ancestors)
    directives = [*_BASE, "frame-src 'self'" if frame_self else "frame-src 'none'"]
    directives.append("frame-ancestors " + (" ".join(ancestors) if ancestors else "'none'"))
    return "; ".join(directives)


def page_headers(*, frame_ancestors: Iterable[str] = (), frame_self: bool = False, cache: str) -> dict[str, str]:
    ancestors = safe_origins(frame_ancestors)
    headers = {
        **COMMON_HEADERS,
        "Content-Security-Policy": content_security_policy(frame_ancestors=ancestors, frame_self=frame_self),
        "Cache-Control": cache,
    }
    if not ancestors:
        headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    return headers
