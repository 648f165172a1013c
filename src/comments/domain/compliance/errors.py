"""The DSA routes' own problem types (mapped like every DomainError)."""

from __future__ import annotations

from comments.errors import Conflict, Forbidden


class SameDecider(Forbidden, code="same-decider", title="Someone else must decide this appeal"): ...


class OwnAppeal(Forbidden, code="own-appeal", title="You cannot decide your own appeal"): ...


class NotifierSuspended(
    Forbidden, code="notifier-suspended", title="Your notices are not processed on this site right now"
): ...


class AlreadyDecided(Conflict, code="already-decided", title="This was already decided"): ...


class AlreadyAppealed(Conflict, code="already-appealed", title="You already appealed this decision"): ...


class AppealTooLate(Conflict, code="appeal-too-late", title="The time to appeal has passed"): ...


class NotFrequent(Conflict, code="not-frequent", title="Not enough manifestly unfounded notices for a suspension"): ...
