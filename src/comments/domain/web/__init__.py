"""The browser-facing part: embed.js, the widget page, the demo article, the moderator and admin pages."""

from __future__ import annotations

from litestar import Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from comments.domain.web.assets import STATIC_DIR, STATIC_MAX_AGE, TEMPLATE_DIR, static_path, static_url
from comments.domain.web.controllers import WebController
from comments.domain.web.security import COMMON_HEADERS

__all__ = ["WebController", "static_files_router", "template_config"]


def static_files_router() -> Router:
    """/static/<version>/*: the pages' scripts and styles; the version changes with their content, so they are
    cached as immutable."""
    return create_static_files_router(
        path=static_path(),
        directories=[STATIC_DIR],
        name="static",
        cache_control=CacheControlHeader(public=True, max_age=STATIC_MAX_AGE, immutable=True),
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        after_request=_add_common_headers,
    )


async def _add_common_headers(response: Response) -> Response:
    response.headers.update(COMMON_HEADERS)
    return response


def template_config() -> TemplateConfig:
    """Jinja with autoescaping on: every value lands in the page as text."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from litestar.plugins.jinja import JinjaTemplateEngine

    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=StrictUndefined)
    env.globals["static_url"] = static_url
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
