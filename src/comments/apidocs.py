"""/schema: the interactive API docs, served entirely by this service.

The page holds no inline script and loads nothing from elsewhere: Swagger UI 5's files come from the pinned
PyPI package swagger-ui-bundle-v2 (with its licence at /schema/assets/LICENSE), under a strict CSP. The same
origin serves /moderate and /admin, whose tokens sit in localStorage: a third-party script here could read
them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from comments.csp import OWN_FILES_ONLY

OWN_ASSETS = Path(__file__).parent / "web" / "apidocs"

CSP = "; ".join((*OWN_FILES_ONLY, "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'"))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SelfHostedSwagger(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/swagger", favicon="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="stylesheet" href="/schema/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/schema/assets/swagger-ui-bundle.js"></script>
<script src="/schema/assets/docs.js"></script>
</body>
</html>
""".encode()


async def _security_headers(response: Response[Any]) -> Response[Any]:
    response.headers.update(HEADERS)
    return response


def openapi_router() -> Router:
    """The router OpenAPIConfig serves /schema on: the docs page, the schema files, and the assets."""
    assets = create_static_files_router(
        path="/assets",
        directories=[OWN_ASSETS, Path(str(swagger_ui_path))],
        include_in_schema=False,
        opt={"exclude_from_auth": True},
    )
    return Router("/schema", route_handlers=[assets], include_in_schema=False, after_request=_security_headers)
