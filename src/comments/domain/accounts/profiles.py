"""Pure rules about personal details: per-field validation and completeness for a site's requirements."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from comments.domain.accounts.countries import ISO_3166_ALPHA2

PROFILE_FIELDS = ("display_name", "full_name", "country", "birth_year", "accepted_rules_version", "bio")

_DISPLAY_NAME = re.compile(r"^[\w][\w .'\-]*[\w.]$")
_FULL_NAME_FORBIDDEN = re.compile(r"[\d_@#$%^&*()+=\[\]{}<>/\\|;:\"!?~`]")


def has_control_characters(text: str) -> bool:
    """Control and format characters (Cc, Cf; e.g. NUL, bidi overrides, zero-width spaces that split a
    word past the word lists and the model) except newline and tab, and the joiners that writing needs:
    a zero-width joiner inside an emoji sequence (👨‍👩‍👧) or between letters of a Brahmic script, a
    non-joiner between Brahmic or Arabic-script letters (Persian), and the tags of a subdivision flag (🏴 …)."""
    in_flag = False
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category not in {"Cc", "Cf"} or ch in "\n\t":
            in_flag = ch == _BLACK_FLAG or (in_flag and ch == "\ufe0f")
            continue
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if ch == _ZWJ and (_emoji_join(before, after) or (_brahmic(before) and _brahmic(after))):
            continue
        if ch == _ZWNJ and _script_letter(before) and _script_letter(after):
            continue
        if in_flag and 0xE0020 <= ord(ch) <= 0xE007F:
            in_flag = ord(ch) != 0xE007F  # the cancel tag ends the flag
            continue
        return True
    return False


_ZWJ, _ZWNJ, _BLACK_FLAG = "\u200d", "\u200c", "\U0001f3f4"


def _emoji_join(before: str, after: str) -> bool:
    """ZWJ between two pictographs (a variation selector or skin tone may come before it)."""
    pictograph = {"So", "Sk"}
    left = bool(before) and (before == "\ufe0f" or unicodedata.category(before) in pictograph)
    return left and bool(after) and unicodedata.category(after) in pictograph


def _brahmic(ch: str) -> bool:
    return "\u0900" <= ch <= "\u0dff"  # Devanagari to Sinhala, where joiners shape conjuncts


def _script_letter(ch: str) -> bool:
    return _brahmic(ch) or "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufdff"


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def display_name_key(name: str) -> str:
    """What makes two display names 'the same': NFKC + case folding + collapsed spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def validate_profile_fields(
    values: Mapping[str, Any], *, current_year: int, rules_version: int | None
) -> dict[str, str]:
    """Problems by field name for the values a reader submitted (None means 'clear this field')."""
    problems: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        problem = _field_problem(name, value, current_year=current_year, rules_version=rules_version)
        if problem:
            problems[name] = problem
    return problems


def _field_problem(name: str, value: Any, *, current_year: int, rules_version: int | None) -> str | None:
    if isinstance(value, str) and has_control_characters(value):
        return "Remove control characters."
    match name:
        case "display_name":
            if not 2 <= len(value) <= 40:
                return "Use 2 to 40 characters."
            if not _DISPLAY_NAME.match(value) or "  " in value:
                return "Use letters, digits, spaces, dots, dashes, apostrophes and underscores."
        case "full_name":
            if not 2 <= len(value) <= 120:
                return "Use 2 to 120 characters."
            if _FULL_NAME_FORBIDDEN.search(value) or not any(ch.isalpha() for ch in value):
                return "Use letters, spaces, dots, dashes and apostrophes."
        case "country":
            if value not in ISO_3166_ALPHA2:
                return "Use a two-letter ISO 3166-1 country code, such as GB, US or DE."
        case "birth_year":
            if not current_year - 120 <= value <= current_year:
                return f"Enter a year between {current_year - 120} and {current_year}."
        case "accepted_rules_version":
            if rules_version is None:
                return "Say which site's guidelines you accept (the site query parameter)."
            if not 1 <= value <= rules_version:
                return f"The current guidelines version is {rules_version}."
        case "bio":
            if len(value) > 500:
                return "Use at most 500 characters."
    return None


@dataclass(frozen=True, slots=True)
class ProfileStatus:
    missing_fields: tuple[str, ...]
    under_minimum_age: bool

    @property
    def complete(self) -> bool:
        return not self.missing_fields and not self.under_minimum_age


def profile_status(
    profile: Mapping[str, Any],
    *,
    required_fields: Iterable[str],
    minimum_age: int | None,
    rules_version: int,
    current_year: int,
) -> ProfileStatus:
    """`profile` holds the reader's values, with accepted_rules_version for this site."""
    missing = []
    for name in required_fields:
        value = profile.get(name)
        if name == "accepted_rules_version":
            if value != rules_version:
                missing.append(name)
        elif name == "email_verified":
            if value is not True:
                missing.append(name)
        elif value in (None, ""):
            missing.append(name)
    birth_year = profile.get("birth_year")
    if minimum_age is not None and birth_year is None and "birth_year" not in missing:
        missing.append("birth_year")
    # Only the year is known: count a reader as old enough once they surely are (strictly older by years).
    too_young = minimum_age is not None and birth_year is not None and current_year - birth_year <= minimum_age
    return ProfileStatus(tuple(missing), bool(too_young))
