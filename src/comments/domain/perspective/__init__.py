"""A drop-in replacement for Google's Perspective API (Comment Analyzer v1alpha1) on our own model.

Only app.py and cli.py import this package: the routes, the CLI groups and the metrics source.
"""

from comments.domain.perspective.cli import perspective_group, perspective_key_group
from comments.domain.perspective.controllers import PerspectiveController
from comments.domain.perspective.logs import redact_keys_in_access_log
from comments.domain.perspective.metrics import metrics_text
from comments.domain.perspective.services import PerspectiveService

__all__ = [
    "PerspectiveController",
    "PerspectiveService",
    "metrics_text",
    "perspective_group",
    "perspective_key_group",
    "redact_keys_in_access_log",
]
