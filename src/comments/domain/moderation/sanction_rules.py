"""When a sanction is in force: the same rule the posting gate applies (comments.pipeline.check_sanctions)."""

from __future__ import annotations

from datetime import datetime

from comments.db import Sanction, SanctionKind


def is_active(sanction: Sanction, now: datetime) -> bool:
    if sanction.lifted_at is not None:
        return False
    if sanction.kind == SanctionKind.BAN:
        return True
    if sanction.kind == SanctionKind.SUSPEND:
        return sanction.until is not None and sanction.until > now
    return sanction.acknowledged_at is None  # a warning, until the reader acknowledges it
