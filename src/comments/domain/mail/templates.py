"""Mail templates: plain text and HTML per language, rendered with Jinja2 (HTML autoescaped)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
TEMPLATES = frozenset(p.stem for p in (TEMPLATE_DIR / DEFAULT_LANGUAGE).glob("*.txt"))
LANGUAGES = frozenset(p.name for p in TEMPLATE_DIR.iterdir() if p.is_dir())

_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,  # a missing context value is a bug to see, not an empty string in a mail
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Rendered:
    language: str
    subject: str
    text: str
    html: str


def pick_language(wanted: str | None, template: str) -> str:
    """The best language we have `template` in: "de-CH" -> de-ch, then de, then English."""
    if wanted:
        tag = wanted.strip().lower().replace("_", "-")
        for candidate in (tag, tag.split("-")[0]):
            if candidate in LANGUAGES and (TEMPLATE_DIR / candidate / f"{template}.txt").exists():
                return candidate
    return DEFAULT_LANGUAGE


def render(template: str, context: dict[str, Any], language: str | None = None) -> Rendered:
    if template not in TEMPLATES:
        raise ValueError(f"no mail template {template!r} (have: {', '.join(sorted(TEMPLATES))})")
    lang = pick_language(language, template)
    text = _env.get_template(f"{lang}/{template}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"{lang}/{template}.txt must start with a 'Subject: ...' line")
    html = _env.get_template(f"{lang}/{template}.html").render(**context)
    return Rendered(lang, first.removeprefix("Subject:").strip(), body.lstrip("\n"), html)
