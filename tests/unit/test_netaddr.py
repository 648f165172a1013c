"""One judge of the client address, and every spelling of an address literal in a URL's host."""

from __future__ import annotations

from ipaddress import ip_address
from types import SimpleNamespace

import pytest
from litestar.datastructures import Headers

from comments.netaddr import client_address, host_address, normalise_url


def _connection(peer: str, trusted: tuple[str, ...], *forwarded: str):
    settings = SimpleNamespace(trusted_proxies=trusted)
    return SimpleNamespace(
        client=SimpleNamespace(host=peer),
        app=SimpleNamespace(state=SimpleNamespace(settings=settings)),
        headers=Headers([(b"x-forwarded-for", v.encode()) for v in forwarded]),
    )


@pytest.mark.parametrize(
    ("peer", "trusted", "forwarded", "expected"),
    [
        ("127.0.0.1", (), ["6.6.6.6"], "127.0.0.1"),  # spoofed header from an untrusted (even loopback) peer
        ("203.0.113.1", ("10.0.0.0/8",), ["6.6.6.6"], "203.0.113.1"),
        ("10.0.0.5", ("10.0.0.0/8",), ["198.51.100.4"], "198.51.100.4"),  # from our proxy: believed
        ("10.0.0.5", ("10.0.0.0/8",), ["6.6.6.6, 198.51.100.4"], "198.51.100.4"),  # the client wrote the left hop
        ("10.0.0.5", ("10.0.0.0/8",), ["198.51.100.4, 10.0.0.9"], "198.51.100.4"),  # two of our proxies
        ("10.0.0.5", ("10.0.0.0/8",), ["6.6.6.6", "198.51.100.4"], "198.51.100.4"),  # repeated headers
        ("10.0.0.5", ("10.0.0.5",), [], "10.0.0.5"),
        ("::1", ("::1",), ["2001:db8::7"], "2001:db8::7"),
    ],
)
def test_client_address(peer, trusted, forwarded, expected):
    assert client_address(_connection(peer, trusted, *forwarded)) == expected


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7F.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("%31%32%37.0.0.1", "127.0.0.1"),
        ("１２７.０.０.１", "127.0.0.1"),  # fullwidth digits, as IDNA maps them
        ("127。0。0。1", "127.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("012.1.2.3", "10.1.2.3"),
        ("93.184.216.34", "93.184.216.34"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("::1", "::1"),
        ("example.com", None),
        ("1.example", None),
        ("256.0.0.1", None),
        ("4294967296", None),
        ("09.0.0.1", None),
    ],
)
def test_host_address(host, address):
    assert host_address(host) == (ip_address(address) if address else None)


def test_normalise_url():
    assert normalise_url("https://user@0x5db8d822:8443/h?x=1") == "https://user@93.184.216.34:8443/h?x=1"
    assert normalise_url("https://News.Example.COM./hooks") == "https://news.example.com/hooks"
    assert normalise_url("http://[0:0:0:0:0:ffff:808:808]/h") == "http://[::ffff:808:808]/h"
