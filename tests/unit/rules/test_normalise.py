"""fold() and normalise(): the text every rule sees."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comments.domain.rules.normalise import decode_leet, fold, is_number, normalise, source_span

FOLDED_TO_IDIOT = [
    pytest.param("IDIOT", id="capitals"),
    pytest.param("ІDІОТ", id="cyrillic-capitals"),
    pytest.param("іdіоt", id="cyrillic-small"),
    pytest.param("ΙDΙΟΤ", id="greek-capitals"),
    pytest.param("ｉｄｉｏｔ", id="fullwidth"),
    pytest.param("𝐢𝐝𝐢𝐨𝐭", id="math-bold"),
    pytest.param("𝒾𝒹𝒾ℴ𝓉", id="math-script"),
    pytest.param("ⓘⓓⓘⓞⓣ", id="circled"),
    pytest.param("🅘🅓🅘🅞🅣", id="negative-circled"),
    pytest.param("🇮🇩🇮🇴🇹", id="regional-indicators"),
    pytest.param("ɪᴅɪᴏᴛ", id="small-capitals"),
    pytest.param("ïdïöt", id="diaeresis"),
    pytest.param("i\u0301d\u0301i\u0301o\u0301t\u0301", id="combining-acute"),
    pytest.param("i̷d̷i̷o̷t̷", id="zalgo-overlay"),
    pytest.param("i\u200bd\u200ci\u200do\u2060t\ufeff", id="zero-width"),
    pytest.param("i\u00add\u00adiot", id="soft-hyphens"),
    pytest.param("id\u202eiot", id="bidi-override"),
    pytest.param("idiot\ufe0f", id="variation-selector"),
]


@pytest.mark.parametrize("text", FOLDED_TO_IDIOT)
def test_fold_reduces_look_alikes_to_plain_letters(text: str) -> None:
    assert fold(text) == "idiot"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("Ærø", "aero"),
        ("Łódź", "lodz"),
        ("ﬁnance", "finance"),
        ("don’t", "don't"),
        ("Нет и нет", "het и het"),  # Cyrillic н/е/т fold the same way in both cases; и is not a look-alike
        ("２０２５", "2025"),
        ("hello, world!", "hello, world!"),
        ("हिंदी", "हिंदी"),  # script-specific vowel signs are kept (dropping them would merge words)
    ],
)
def test_fold_table(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "skeleton"),
    [
        ("Great article!!", "great article"),
        ("GREAT    artiiiicle", "great article"),
        ("great, article.", "great article"),
        ("1d10t!!", "idiot"),
        ("a$$", "as"),
        ("$100 and 2024", "100 and 2024"),
        ("hello_world", "helo world"),
        ("!!!", ""),
        ("  spaced\tout\n", "spaced out"),
        ("ＦＵＬＬＷＩＤＴＨ", "fulwidth"),
    ],
)
def test_normalise_table(text: str, skeleton: str) -> None:
    assert normalise(text) == skeleton


@pytest.mark.parametrize(
    ("token", "number", "decoded"),
    [
        ("1d10t", False, "idiot"),
        ("@$$", False, "ass"),
        ("h3ll0", False, "hello"),
        ("2024", True, "2024"),
        ("$100", True, "100"),
        ("covid19", False, "covidi9"),
    ],
)
def test_decode_leet(token: str, number: bool, decoded: str) -> None:
    assert is_number(token) is number
    assert decode_leet(token) == decoded


@pytest.mark.parametrize(
    ("text", "needle", "original"),
    [
        ("you idiot", "idiot", "idiot"),
        ("you ïdïöt!", "idiot", "ïdïöt"),
        ("Straße idiot", "idiot", "idiot"),  # ß became two letters before the match
        ("x i\u200bdiot y", "idiot", "i\u200bdiot"),  # the zero-width space vanished inside the match
        ("ｙｏｕ ｉｄｉｏｔ", "idiot", "ｉｄｉｏｔ"),
    ],
)
def test_source_span_maps_folded_offsets_back(text: str, needle: str, original: str) -> None:
    start = fold(text).index(needle)
    first, last = source_span(text, start, start + len(needle))
    assert text[first:last] == original


# Properties --------------------------------------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=200)


@given(any_text)
def test_fold_is_idempotent_and_never_raises(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded


@given(any_text)
def test_fold_output_has_no_invisible_or_combining_diacritics(text: str) -> None:
    for ch in fold(text):
        assert unicodedata.category(ch) != "Cf"
        assert not 0x0300 <= ord(ch) <= 0x036F
        assert ch not in "\u200b\u200c\u200d\u2060\ufeff\u00ad"


@given(st.text(st.characters(codec="ascii"), max_size=200))
def test_fold_of_ascii_is_lower_case(text: str) -> None:
    assert fold(text) == text.lower()


@given(any_text)
def test_normalise_is_idempotent_and_gives_single_spaced_words(text: str) -> None:
    skeleton = normalise(text)
    assert normalise(skeleton) == skeleton
    assert skeleton == skeleton.strip()
    assert "  " not in skeleton
    assert all(word.isalnum() for word in skeleton.split(" ") if word)


@given(any_text)
def test_normalise_output_is_folded(text: str) -> None:
    skeleton = normalise(text)
    assert fold(skeleton) == skeleton


@given(any_text, st.integers(0, 400), st.integers(0, 400))
def test_source_span_stays_inside_the_text(text: str, a: int, b: int) -> None:
    folded = fold(text)
    start, end = sorted((min(a, len(folded)), min(b, len(folded))))
    first, last = source_span(text, start, end)
    assert 0 <= first <= last <= len(text)
