"""Whole-word matching of banned and suspect words and phrases, with the usual evasions built in.

All terms become one regular expression over the folded text (see normalise.py), shaped as a trie and
compiled once per rule set. Each letter matches itself or its leetspeak stand-ins (`i` matches `1 ! |`),
may repeat (`idiooot`), and a word matches either written together or with every letter apart
(`i d i o t`, `i.d.i.o.t`); words of a phrase may be separated by any run of spaces or punctuation. A term
must start and end at a word boundary, so `ass` finds neither `classic` nor `assess`, and `cunt` not
`Scunthorpe`. Mixed forms such as `s hit` are deliberately not matched: "it's hit" would otherwise read as
a swear word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from comments.domain.rules.normalise import LEET_LETTERS, decode_leet, fold, is_number, source_span

# For each letter, the characters that may stand for it (both readings of the ambiguous 1 ! |).
_STAND_INS: dict[str, str] = {}
for _symbol, _letter in LEET_LETTERS.items():
    _STAND_INS[_letter] = _STAND_INS.get(_letter, "") + _symbol
_STAND_INS["l"] = _STAND_INS["i"]
_AMBIGUOUS = frozenset("1!|")

_ENTRY_ALLOWED = re.compile(r"(?:[^\W_]|[\s'.\-@$!|])+")
_ENTRY_SEPARATOR = re.compile(r"[\s'.\-]+")
_LETTERISH = re.compile(r"[^\W\d_]|[@$!|]")
_SYMBOLS = re.compile(r"[@$!|]")  # leetspeak that is not a word character
# A term starts after a character that is not a letter or digit; the pattern begins by matching that
# character (texts are searched with a space in front), so that the regex engine jumps from separator to
# separator in C instead of trying every letter of every word.
_BEFORE = r"[\W_]"
_AFTER = r"(?![^\W_])"
_LETTER_GAP = r"[\W_][\W_]{0,2}"  # between spaced-out letters: `i d i o t`, `i.d.i.o.t`, `i - d - i`
_WORD_GAP = r"[\W_]+"  # between the words of a phrase


def term_words(entry: str) -> list[str]:
    """The words of a word-list entry, folded (leetspeak kept: its letters are decided per position)."""
    return [w for w in (w.rstrip("!|") for w in _ENTRY_SEPARATOR.split(fold(entry))) if w]


def term_key(entry: str) -> str:
    """What two entries that match the same text have in common (`1d10t` and `Idiot` -> `idiot`)."""
    return " ".join(decode_leet(w) for w in term_words(entry))


def term_problem(entry: str) -> str | None:
    """Why a word-list entry cannot be used, or None."""
    folded = fold(entry).strip()
    if not folded:
        return "is empty after normalisation"
    if not _ENTRY_ALLOWED.fullmatch(folded):
        return (
            "may contain only letters, digits, spaces, hyphens, apostrophes, dots and the look-alike "
            "symbols @ $ ! | (wildcards such as * are not supported: list each word)"
        )
    if not term_words(entry):
        return "has no letters or digits after normalisation"
    return None


def _letter_class(ch: str) -> str:
    """The characters that may stand for a term's letter (or leetspeak character) in a body."""
    if ch in _AMBIGUOUS:
        return "il" + _STAND_INS["i"]
    letter = LEET_LETTERS.get(ch, ch)
    return letter + _STAND_INS.get(letter, "")


# A step of a term's pattern: (kind, characters); kinds: a letter, a letter after a gap, a gap between words,
# a number (its digits, as written).
_Step = tuple[str, str]


def _paths(words: list[str]) -> list[list[_Step]]:
    """The ways a term may be written: every word together, or every word with its letters apart."""
    together: list[_Step] = []
    apart: list[_Step] = []
    for i, word in enumerate(words):
        if i:
            together.append(("word_gap", ""))
            apart.append(("word_gap", ""))
        if is_number(word):
            together.append(("number", decode_leet(word)))
            apart.append(("number", decode_leet(word)))
            continue
        classes = [_letter_class(ch) for ch in word]
        together.extend(("letter", c) for c in classes)
        apart.append(("letter", classes[0]))
        apart.extend(("gap_letter", c) for c in classes[1:])
    return [together] if apart == together else [together, apart]


def _render(step: _Step, *, first: bool) -> str:
    kind, chars = step
    if kind == "word_gap":
        return _WORD_GAP
    if kind == "number":
        return re.escape(chars)
    cls = "[" + re.escape(chars) + "]" if len(chars) > 1 else re.escape(chars)
    # The class comes first, so that the regex engine skips a branch on the first character it sees; then
    # the letter may repeat (`idiooot`).
    letter = f"{cls}{cls}*"
    if kind == "gap_letter":
        return f"{_LETTER_GAP}{letter}"
    if first and _SYMBOLS.search(chars):
        # Not inside a run of the first letter's stand-ins (`!!!!`): the run's start covered it, and trying
        # again at every position of a long run would take quadratic time.
        return f"{cls}(?<!{cls}{cls}{cls}){cls}*"
    return letter


@dataclass(frozen=True, slots=True)
class TermMatch:
    term: str  # the entry as the admin wrote it
    kind: str  # the list it is on
    text: str  # what the body says there
    start: int  # offsets into the original body
    end: int


@dataclass(frozen=True, slots=True)
class _Term:
    entry: str
    kind: str
    has_letters: bool  # digits alone then do not match it


class WordList:
    """Word lists compiled into one pattern: `find(body)` lists the whole-word matches of their terms."""

    __slots__ = ("_pattern", "_terms")

    def __init__(self, lists: Mapping[str, Sequence[str]]) -> None:
        """`lists`: list name (e.g. banned, suspect) -> entries. An entry on two lists counts on the first."""
        by_key: dict[str, _Term] = {}
        paths: list[tuple[_Term, list[_Step]]] = []
        for kind, entries in lists.items():
            for entry in entries:
                key = term_key(entry)
                if key and key not in by_key:
                    by_key[key] = _Term(entry, kind, bool(_LETTERISH.search(key)))
                    paths.extend((by_key[key], path) for path in _paths(term_words(entry)))
        self._terms = {f"t{n}": term for n, (term, _) in enumerate(paths)}  # group name -> its term
        self._pattern = _compile([(name, steps) for name, (_, steps) in zip(self._terms, paths, strict=True)])

    def __bool__(self) -> bool:
        return bool(self._terms)

    def find(self, body: str, folded: str | None = None) -> list[TermMatch]:
        """Matches in `body`; pass `folded=fold(body)` when the caller already has it. Matches may overlap:
        a phrase on one list can hold a word on another."""
        if self._pattern is None:
            return []
        padded = " " + (fold(body) if folded is None else folded)
        found = []
        position = 0
        while (m := self._pattern.search(padded, position)) is not None:
            position = m.start() + 1
            term = self._terms[str(m.lastgroup)]
            # Digits alone are a number, not leetspeak: `455` is not `ass`.
            if term.has_letters and not _LETTERISH.search(m.group(), 1):
                continue
            start, end = source_span(body, m.start(), m.end() - 1)  # less the separator and the space
            found.append(TermMatch(term=term.entry, kind=term.kind, text=body[start:end], start=start, end=end))
        return found


_Trie = dict[_Step | None, Any]  # a step -> the subtrie after it; None -> the group name of a term ending here


def _compile(paths: list[tuple[str, list[_Step]]]) -> re.Pattern[str] | None:
    """One pattern for all terms, shaped as a trie of their steps, so that a word start costs a few class
    tests per letter rather than one attempt per term. An empty named group marks where each term ends."""
    if not paths:
        return None
    root: _Trie = {}
    for name, steps in paths:
        node = root
        for step in steps:
            node = node.setdefault(step, {})
        node.setdefault(None, name)
    return re.compile(_BEFORE + _emit(root, first=True) + _AFTER)


def _emit(node: _Trie, *, first: bool = False) -> str:
    branches = [_render(step, first=first) + _emit(child) for step, child in node.items() if step is not None]
    if None in node:
        branches.append(f"(?P<{node[None]}>)")  # last: a longer term that starts the same way is tried first
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
