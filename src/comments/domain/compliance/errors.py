"""The DSA routes' own problem types (mapped like every DomainError)."""

from __future__ import annotations

from comments.errors import Conflict, Forbidden


class SameDecider(Forbidden):
    code, title = "same-decider", "Someone else must decide this appeal"


class OwnAppeal(Forbidden):
    code, title = "own-appeal", "You cannot decide your own appeal"


class NotifierSuspended(Forbidden):
    code, title = "notifier-suspended", "Your notices are not processed on this site right now"


class AlreadyDecided(Conflict):
    code, title = "already-decided", "This was already decided"


class AlreadyAppealed(Conflict):
    code, title = "already-appealed", "You already appealed this decision"


class AppealTooLate(Conflict):
    code, title = "appeal-too-late", "The time to appeal has passed"


class NotFrequent(Conflict):
    code, title = "not-frequent", "Not enough manifestly unfounded notices for a suspension"
