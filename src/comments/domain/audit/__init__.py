"""The append-only audit log: who did what to which comment, user or rule set, when and why."""

from comments.domain.audit.log import record

__all__ = ["record"]
