"""Links in a body, domain-list entries, and subdomain matching."""

from __future__ import annotations

import pytest

from comments.domain.rules.links import DomainSet, domain_key, domain_problem, find_links
from comments.domain.rules.normalise import fold


def links_in(body: str) -> list[tuple[str, str]]:
    return [(link.text, link.key) for link in find_links(body, fold(body))]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("see https://Example.com/a?b=1, it is good", [("https://Example.com/a?b=1", "example.com")]),
        ("at www.foo.org.", [("www.foo.org", "www.foo.org")]),
        ("buy at cheap-pills.ru/buy now", [("cheap-pills.ru/buy", "cheap-pills.ru")]),
        ("http://user:pw@Sub.Evil.com:8080/x", [("http://user:pw@Sub.Evil.com:8080/x", "sub.evil.com")]),
        ("ｅｘａｍｐｌｅ．ｃｏｍ", [("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com")]),
        ("https://еxample.com", [("https://еxample.com", "example.com")]),  # Cyrillic е
        ("two: a.com/x and http://b.net", [("a.com/x", "a.com"), ("http://b.net", "b.net")]),
        ("U.S. policy, e.g. i.e. node.js", []),
        ("I agree.So what? Mr.Smith", []),
        ("mail john@example.com", []),
        ("example.community", []),
        ("3.5 million", []),
        ("no links here", []),
    ],
)
def test_find_links(body: str, found: list[tuple[str, str]]) -> None:
    assert links_in(body) == found


def test_a_link_host_is_shown_as_written() -> None:
    [link] = find_links("see https://ПРИМЕР.рф/x", fold("see https://ПРИМЕР.рф/x"))
    assert link.host == "пример.рф"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("example.com", None),
        ("Example.COM", None),
        ("news.example.co.uk", None),
        ("пример.рф", None),
        ("xn--e1afmkfd.xn--p1ai", None),
        ("http://example.com", "no scheme or path"),
        ("example.com/page", "no scheme or path"),
        ("*.example.com", "subdomains are included"),
        ("localhost", "like example.com"),
        ("exa mple.com", "like example.com"),
        ("-bad.com", "like example.com"),
        ("a..b", "like example.com"),
        ("x" * 64 + ".com", "like example.com"),
    ],
)
def test_domain_problem(entry: str, problem: str | None) -> None:
    result = domain_problem(entry)
    if problem is None:
        assert result is None
    else:
        assert result is not None
        assert problem in result


@pytest.mark.parametrize(
    ("host", "inside"),
    [
        ("example.com", True),
        ("news.example.com", True),
        ("a.b.example.com", True),
        ("badexample.com", False),
        ("example.com.evil.net", False),
        ("com", False),
        ("xn--e1afmkfd.xn--p1ai", True),  # пример.рф, listed in Unicode
    ],
)
def test_a_domain_set_holds_its_domains_and_their_subdomains(host: str, inside: bool) -> None:
    domains = DomainSet(["Example.com", "пример.рф"])
    key = domain_key(host)
    assert (key in domains) is inside


def test_a_listed_punycode_domain_matches_its_unicode_link() -> None:
    domains = DomainSet(["xn--e1afmkfd.xn--p1ai"])
    [link] = find_links("https://пример.рф", fold("https://пример.рф"))
    assert link.key in domains
