"""Where the web files live, and their URLs: `/static/<version>/widget.js`, where the version is a hash of
every static file. Relative module imports (`./lib.js`) resolve under the same version, so a page and all
the scripts it imports always come from one release, and static files can be cached as immutable."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import comments

WEB_DIR = Path(comments.__file__).parent / "web"
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
EMBED_JS = WEB_DIR / "embed.js"

STATIC_MAX_AGE = 365 * 24 * 3600
EMBED_MAX_AGE = 3600
"""embed.js keeps one URL in publishers' pages, so it is cached for an hour, not a year."""


@cache
def asset_version() -> str:
    """A hash of the static files' names and contents, computed once per process (a restart after a change
    of files gives new URLs)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STATIC_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def static_path() -> str:
    return f"/static/{asset_version()}"


def static_url(name: str) -> str:
    """The URL of a file under web/static."""
    return f"{static_path()}/{name}"
