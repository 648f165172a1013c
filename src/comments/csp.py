"""The Content-Security-Policy directives every page this service serves starts from: nothing from
elsewhere, its own scripts, styles, images, fonts and API only. The web pages (domain.web.security) and the
API docs (apidocs) each add what they allow beyond that."""

from __future__ import annotations

OWN_FILES_ONLY = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
)
