"""Keep API keys out of the access log: Coral sends its key as `?key=...` in the URL, which uvicorn's
access log would write out in full. (Request bodies, and so comment texts, are never logged.)"""

from __future__ import annotations

import logging
import re

_KEY = re.compile(r"([?&]key=)[^&\s]*")


class RedactKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_KEY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _KEY.sub(r"\1[redacted]", record.msg)
        return True


def redact_keys_in_access_log(logger_name: str = "uvicorn.access") -> None:
    """Install the filter once on the access logger (idempotent: create_app may run many times)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactKeys) for f in logger.filters):
        logger.addFilter(RedactKeys())
