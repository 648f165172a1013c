"""The append-only audit log: who did what to which comment, user or rule set, when and why. `record()`
writes in the caller's transaction; `reader` pages through it (the moderation log and the rules history)."""

from comments.domain.audit.log import record, record_on

__all__ = ["record", "record_on"]
