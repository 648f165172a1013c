"""Plain words for readers: durations and what a toxicity label means."""

from __future__ import annotations

from math import ceil

_UNITS = ((86_400, "day"), (3_600, "hour"), (60, "minute"))
_LABELS = {
    "toxicity": "may be rude or disrespectful",
    "severe_toxicity": "may be hateful or aggressive",
    "obscene": "may contain obscene language",
    "threat": "may contain a threat",
    "insult": "may be insulting",
    "identity_attack": "may attack people for who they are",
    "sexual_explicit": "may be sexually explicit",
}


def duration(seconds: float) -> str:
    """`40 seconds`, `2 minutes`, `1 day`: in the largest unit that fits, rounded up (never too short)."""
    for size, unit in _UNITS:
        if seconds >= size:
            count = ceil(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = max(1, ceil(seconds))
    return f"{count} second{'s' if count != 1 else ''}"


def label_concern(label: str) -> str:
    """What a high score for a toxicity label says about a comment, for its author."""
    return _LABELS.get(label, "may break the community guidelines")
