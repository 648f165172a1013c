"""Links in a comment body, their domains, and domain lists that match subdomains.

A link is an address with a scheme (`https://...`), one starting with `www.`, or a bare domain whose top-level
domain is in `BARE_TLDS` (`cheap-pills.ru/buy`). Bare domains are limited to top-level domains that are not
also English words or common abbreviations, so that "U.S." or "I agree.So" are not links. Links are found
in the folded text (normalise.py), so a fullwidth or Cyrillic look-alike of a domain is the domain it imitates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from comments.domain.rules.normalise import fold, source_span

BARE_TLDS = (
    "com", "net", "org", "info", "biz", "io", "xyz", "top", "online", "site", "club", "shop", "store", "app",
    "dev", "live", "link", "click", "news", "gov", "edu", "ru", "cn", "uk", "de", "fr", "eu", "nl", "pl",
    "ua", "su", "tk", "ml", "ga", "cf", "gq", "ly",
)  # fmt: skip

_LINK = re.compile(
    r"(?:(?<![\w.+-])[a-z][a-z0-9+.-]*://|(?<![\w.-])www\.)[^\s<>\"'()\[\]{}]+"
    r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:" + "|".join(BARE_TLDS) + r")(?![\w-])(?:/[^\s<>\"']*)?"
)
_HOST = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?(?:[^/?#@\\]*@)?([^/?#:\\]*)")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")


@dataclass(frozen=True, slots=True)
class Link:
    text: str  # as written in the body
    host: str  # as written (lower case), for messages
    key: str  # the host folded and in ASCII (punycode), for comparing with domain lists


# Every link has `://` or a dot before a letter or digit: a quick test that most comments fail (it starts
# with a literal, so the regex engine jumps from dot to dot).
_MAYBE_LINK = re.compile(r"\.[a-z0-9]|://")


def find_links(body: str, folded: str) -> list[Link]:
    """The links in a body, given the body and its folded text."""
    if not _MAYBE_LINK.search(folded):
        return []
    links = []
    for m in _LINK.finditer(folded):
        raw = m.group().rstrip(".,;:!?")  # the punctuation that ends a sentence is not part of the link
        host = _HOST.match(raw)
        assert host is not None  # every part of the pattern is optional
        start, end = source_span(body, m.start(), m.start() + len(raw))
        host_start, host_end = source_span(body, m.start() + host.start(1), m.start() + host.end(1))
        links.append(
            Link(
                text=body[start:end],
                host=body[host_start:host_end].strip(".").lower(),
                key=to_ascii(host.group(1).strip(".")),
            )
        )
    return links


def to_ascii(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _to_unicode(host: str) -> str:
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


def domain_key(entry: str) -> str:
    """The comparison form of a domain-list entry: folded like the body, then ASCII."""
    return to_ascii(fold(_to_unicode(entry.strip().lower().rstrip("."))))


def domain_problem(entry: str) -> str | None:
    """Why a domain-list entry is not a domain name, or None."""
    domain = domain_key(entry)
    if "://" in domain or "/" in domain:
        return "must be a domain name only, like example.com (no scheme or path)"
    if domain.startswith(("*.", ".")):
        return "must be a domain name like example.com (its subdomains are included without a wildcard)"
    if len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        return "must be a domain name like example.com"
    return None


class DomainSet:
    """Domains and all their subdomains: `example.com` contains `example.com` and `news.example.com`."""

    __slots__ = ("_domains",)

    def __init__(self, entries: list[str]) -> None:
        self._domains = frozenset(domain_key(e) for e in entries)

    def __bool__(self) -> bool:
        return bool(self._domains)

    def __contains__(self, key: object) -> bool:
        """`key` is a link's `key`."""
        if not isinstance(key, str):
            return False
        labels = key.split(".")
        return any(".".join(labels[i:]) in self._domains for i in range(len(labels)))
