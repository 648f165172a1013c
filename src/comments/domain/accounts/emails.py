from __future__ import annotations

import re
import unicodedata

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is not checked here.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    """NFKC + trimmed + lower-cased, so that Alice@Example.com and alice@example.com are one account."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def email_problem(email: str) -> str | None:
    if len(email) > 320:
        return "Use at most 320 characters."
    if not _EMAIL.match(email):
        return "Enter an email address like name@example.com."
    return None
