import pytest

from comments.domain.accounts.emails import email_problem, normalise_email
from comments.domain.accounts.profiles import (
    display_name_key,
    has_control_characters,
    profile_status,
    validate_profile_fields,
)

YEAR = 2026
DEMO_REQUIRED = ["display_name", "full_name", "country", "birth_year", "accepted_rules_version"]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("display_name", "Ada", None),
        ("display_name", "Jean-Luc O'Neil", None),
        ("display_name", "Zoë_92", None),
        ("display_name", "A", "Use 2 to 40 characters."),
        ("display_name", "x" * 41, "Use 2 to 40 characters."),
        ("display_name", "<script>", "Use letters, digits, spaces, dots, dashes, apostrophes and underscores."),
        ("display_name", "two  spaces", "Use letters, digits, spaces, dots, dashes, apostrophes and underscores."),
        ("display_name", "bell\x07", "Remove control characters."),
        ("display_name", "rtl\u202eevil", "Remove control characters."),
        ("full_name", "Ada Lovelace", None),
        ("full_name", "Åsa Öberg-Lindqvist", None),
        ("full_name", "R2D2", "Use letters, spaces, dots, dashes and apostrophes."),
        ("full_name", "...", "Use letters, spaces, dots, dashes and apostrophes."),
        ("full_name", "A", "Use 2 to 120 characters."),
        ("country", "GB", None),
        ("country", "UK", "Use a two-letter ISO 3166-1 country code, such as GB, US or DE."),
        ("country", "XX", "Use a two-letter ISO 3166-1 country code, such as GB, US or DE."),
        ("birth_year", 1990, None),
        ("birth_year", 1800, "Enter a year between 1906 and 2026."),
        ("birth_year", 2030, "Enter a year between 1906 and 2026."),
        ("accepted_rules_version", 1, None),
        ("accepted_rules_version", 2, "The current guidelines version is 1."),
        ("accepted_rules_version", 0, "The current guidelines version is 1."),
        ("bio", "x" * 500, None),
        ("bio", "x" * 501, "Use at most 500 characters."),
    ],
)
def test_each_field_is_validated_with_its_own_message(field, value, problem):
    problems = validate_profile_fields({field: value}, current_year=YEAR, rules_version=1)
    assert problems.get(field) == problem


def test_accepting_rules_needs_a_site():
    problems = validate_profile_fields({"accepted_rules_version": 1}, current_year=YEAR, rules_version=None)
    assert "site" in problems["accepted_rules_version"]


def test_none_clears_without_a_problem():
    assert validate_profile_fields({"bio": None, "display_name": None}, current_year=YEAR, rules_version=1) == {}


def _status(profile, required=DEMO_REQUIRED, minimum_age=16, version=1):
    return profile_status(
        profile, required_fields=required, minimum_age=minimum_age, rules_version=version, current_year=YEAR
    )


def test_empty_profile_misses_every_required_field():
    status = _status({})
    assert status.missing_fields == tuple(DEMO_REQUIRED)
    assert not status.complete


def test_complete_profile():
    profile = {
        "display_name": "Ada",
        "full_name": "Ada L",
        "country": "GB",
        "birth_year": 1990,
        "accepted_rules_version": 1,
    }
    assert _status(profile).complete


def test_old_acceptance_counts_as_missing_after_the_guidelines_change():
    profile = {
        "display_name": "Ada",
        "full_name": "Ada L",
        "country": "GB",
        "birth_year": 1990,
        "accepted_rules_version": 1,
    }
    assert _status(profile, version=2).missing_fields == ("accepted_rules_version",)


@pytest.mark.parametrize(("birth_year", "too_young"), [(2009, False), (2010, True), (2015, True), (1950, False)])
def test_minimum_age_counts_only_readers_surely_old_enough(birth_year, too_young):
    profile = {
        "display_name": "A",
        "full_name": "A B",
        "country": "GB",
        "birth_year": birth_year,
        "accepted_rules_version": 1,
    }
    status = _status(profile)
    assert status.under_minimum_age is too_young
    assert status.complete is not too_young


def test_minimum_age_needs_a_birth_year_even_when_not_listed():
    status = _status({"display_name": "A"}, required=["display_name"])
    assert status.missing_fields == ("birth_year",)


def test_no_requirements_means_complete():
    assert _status({}, required=[], minimum_age=None).complete


def test_display_name_key_folds_case_width_and_spaces():
    assert display_name_key("Ａda  LOVELACE") == display_name_key("ada lovelace")


def test_control_characters_but_not_newlines():
    assert has_control_characters("a\x00b")
    assert not has_control_characters("line one\nline two\tindented")


@pytest.mark.parametrize(
    "text",
    [
        "Our family: \U0001f468\u200d\U0001f469\u200d\U0001f467",  # 👨‍👩‍👧, a ZWJ sequence
        "\U0001f3f3\ufe0f\u200d\U0001f308 and \U0001f3c3\u200d\u2640\ufe0f",  # 🏳️‍🌈 and 🏃‍♀️ (variation selectors)
        "\U0001f9d1\U0001f3fd\u200d\U0001f680",  # 🧑🏽‍🚀: a skin tone before the joiner
        "\u2764\ufe0f love it",  # ❤️: a variation selector alone
        "Go \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f!",  # England's flag: tags
        "\u0915\u094d\u200d\u0937",  # Devanagari: a joiner shapes the conjunct
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: a non-joiner between letters
    ],
)
def test_joiners_that_writing_needs_are_allowed(text):
    assert not has_control_characters(text)


@pytest.mark.parametrize(
    "text",
    [
        "id\u200diot",  # a joiner between Latin letters only splits a word past the word lists and the model
        "id\u200biot",  # a zero-width space
        "abc\u202edef",  # a bidi override
        "\u200d\U0001f469",  # a joiner with nothing to join on one side
        "\U0001f468\u200d",
        "x\U000e0067\U000e007f",  # tags outside a flag
        "a\u200cb",  # a non-joiner in Latin text
    ],
)
def test_format_characters_used_to_evade_or_spoof_are_refused(text):
    assert has_control_characters(text)


@pytest.mark.parametrize(
    ("raw", "normalised"), [(" Alice@Example.COM ", "alice@example.com"), ("ｂｏｂ@example.com", "bob@example.com")]
)
def test_emails_normalise(raw, normalised):
    assert normalise_email(raw) == normalised


@pytest.mark.parametrize(
    "bad", ["no-at-sign", "a@b", "two@@example.com", "sp ace@example.com", "x" * 70 + "@example.com"]
)
def test_bad_emails(bad):
    assert email_problem(normalise_email(bad))
