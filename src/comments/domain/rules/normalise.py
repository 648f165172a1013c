"""Text folding: what makes `ІDІОТ`, `ｉｄｉｏｔ` and `idiot` the same letters before any rule looks at them.

`fold()` works character by character (a translate table built once), so it is fast and a position in the
folded text maps back to a position in the original (`source_span`). Ambiguous things that would lose
information if applied to the text (leetspeak `1` = i or l, repeated letters, spaced letters) are not done
here: the word matcher (`words.py`) builds them into its patterns instead. `normalise()` is the canonical
skeleton of a whole text, for comparing two bodies (duplicate detection).
"""

# ruff: noqa: RUF001, RUF002, RUF003 - look-alike characters are this module's subject

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Look-alikes that compatibility decomposition leaves alone. Keys are lower case: they apply after case
# folding, so that `Н` and `н` fold the same way (a Russian word must not depend on its capitalisation).
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "m", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    # Latin letters with a stroke or ligatures (no decomposition in Unicode)
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "æ": "ae", "œ": "oe",
    # small capitals
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
    "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
    "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    # apostrophes, so that "don’t" and "don't" agree
    "’": "'", "‘": "'", "ʼ": "'", "＇": "'",
}  # fmt: skip

# Combining marks of the generic diacritic blocks (accents, Zalgo text) and variation selectors. Script-
# specific marks (Indic vowel signs, ...) are kept: dropping them would merge different words.
_STRIPPED_RANGES = (
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xE0100, 0xE01EF),
)
# Characters that render as nothing but are not format characters (Hangul fillers, braille blank).
_INVISIBLE = frozenset({0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0})

# Outside the BMP only these blocks hold Latin look-alikes or invisible characters.
_EXTRA_BLOCKS = (
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics (𝐢𝐝𝐢𝐨𝐭)
    (0x1F100, 0x1F1FF),  # enclosed alphanumerics (🅘🅓🅘🅞🅣, 🇮🇩)
    (0xE0000, 0xE007F),  # tag characters
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
# Letter-shaped symbols that have no decomposition: negative circled/squared letters, regional indicators.
_LETTER_RUNS = (0x1F150, 0x1F170, 0x1F1E6)


def _stripped(ch: str) -> bool:
    cp = ord(ch)
    return cp in _INVISIBLE or unicodedata.category(ch) == "Cf" or any(lo <= cp <= hi for lo, hi in _STRIPPED_RANGES)


def _fold_char(ch: str) -> str:
    text = ch
    for _ in range(4):  # a fixed point is reached in one or two rounds
        step = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        step = "".join(_CONFUSABLES.get(c, c) for c in step if not _stripped(c))
        if step == text:
            break
        text = step
    return text


@cache
def _table() -> dict[int, str]:
    """Code point -> folded text, for every code point that changes (built once, on first use: ~0.1 s)."""
    table: dict[int, str] = {}
    blocks = ((0, 0xD7FF), (0xE000, 0xFFFF), *_EXTRA_BLOCKS)
    for lo, hi in blocks:
        for cp in range(lo, hi + 1):
            folded = _fold_char(chr(cp))
            if folded != chr(cp):
                table[cp] = folded
    for start in _LETTER_RUNS:
        for i in range(26):
            table[start + i] = chr(ord("a") + i)
    return table


def fold(text: str) -> str:
    """Compatibility-decompose (the K of NFKC), case-fold, fold look-alikes, drop diacritics and invisible
    characters. Idempotent; the length may change (`ß` -> `ss`): `source_span` maps positions back."""
    if text.isascii():
        return text.lower()
    return text.translate(_table())


def source_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Map the span [start, end) of `fold(text)` back to the span of `text` it came from."""
    if text.isascii():
        return start, end
    table = _table()
    origin: list[int] = []  # folded index -> source index
    for i, ch in enumerate(text):
        origin.extend([i] * len(table.get(ord(ch), ch)))
    origin.append(len(text))
    end = min(end, len(origin) - 1)
    source_end = origin[end - 1] + 1 if end > start else origin[start]
    return origin[start], source_end


# Leetspeak digits and symbols read as letters (`1`, `!` and `|` are read as i; words.py also tries l).
LEET_LETTERS = {"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "|": "i", "0": "o", "$": "s", "5": "s", "7": "t"}
_LEET_DECODE = str.maketrans(LEET_LETTERS)
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D")
# Tokens holding a digit or a leetspeak symbol: the others (most words of most texts) need no decoding.
# Texts have no `_` here (it is a separator), so `\w` is a letter or digit.
_LEETY_TOKEN = re.compile(r"(?<![\w@$!|])[^\W\d]*+[\d@$!|][\w@$!|]*")
_WORD = re.compile(r"\w+")
_REPEATS = re.compile(r"([^\W\d_])\1+")


def is_number(token: str) -> bool:
    """Digits and no letters (`2024`, `$100`): a number, whose digits are not leetspeak."""
    return bool(_DIGIT.search(token)) and not _LETTER.search(token)


def decode_leet(token: str) -> str:
    """Read a token's leetspeak as letters, unless it is a number (`1d10t` -> idiot, `$100` -> 100)."""
    if is_number(token):
        return _NOT_DIGIT.sub("", token)
    return token.translate(_LEET_DECODE)


def _decode_token(match: re.Match[str]) -> str:
    return decode_leet(match.group().rstrip("!|"))  # a trailing `!` is punctuation, not an i


def normalise(text: str) -> str:
    """The skeleton of a text: folded, leetspeak read as letters, repeated letters collapsed, words
    single-spaced. Two bodies with the same skeleton say the same thing (`Great article!!` and
    `GREAT   artiiicle`)."""
    decoded = _LEETY_TOKEN.sub(_decode_token, fold(text).replace("_", " "))
    return _REPEATS.sub(r"\1", " ".join(_WORD.findall(decoded)))
