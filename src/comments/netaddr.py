"""Addresses, decided in one place each: who the client is (`client_address`), and which IP address a URL's
host names however it is spelled (`host_address`: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1` and
`127.0.0.1.` are all 127.0.0.1 to inet_aton, to browsers and to HTTP clients)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

# client address


@lru_cache(maxsize=16)
def _proxies(entries: tuple[str, ...]) -> tuple[frozenset[str], tuple[Any, ...]]:
    names, networks = set(), []
    for entry in entries:
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError:
            names.add(entry)  # not an address (the test client's peer is "testclient")
    return frozenset(names), tuple(networks)


def is_trusted_proxy(address: str, trusted: tuple[str, ...]) -> bool:
    """`trusted`: COMMENTS_TRUSTED_PROXIES, addresses or networks (10.0.0.0/8)."""
    names, networks = _proxies(trusted)
    if address in names:
        return True
    try:
        ip = ip_address(address.split("%")[0])
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)


def client_address(connection: Any) -> str:
    """The one judge of the caller's address. X-Forwarded-For counts only when the peer is a configured
    proxy, and then its rightmost hop that is not one of ours (hops further left are the client's to
    write). `comments serve` turns uvicorn's own proxy-header handling off, so nothing else rewrites it."""
    peer = connection.client.host if connection.client else "unknown"
    trusted = connection.app.state.settings.trusted_proxies
    if not trusted or not is_trusted_proxy(peer, trusted):
        return peer[:64]
    hops = [h.strip() for v in connection.headers.getall("x-forwarded-for", []) for h in v.split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(hop, trusted):
            return hop[:64]
    return (hops[0] if hops else peer)[:64]


# URL hosts

_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # what IDNA maps to "."


def normalise_host(host: str) -> str:
    """Percent-decoded, NFKC, lower case, without the trailing dot: as URL parsers see the name."""
    host = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).lower()
    return host[:-1] if host.endswith(".") and not host.endswith("..") else host


def _ipv4_number(part: str) -> int | None:
    """One part of an IPv4 address in inet_aton's (and WHATWG's) syntax: 0x.. hex, 0.. octal, decimal."""
    try:
        if part[:2] in {"0x", "0X"}:
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part[0] == "0":
            return int(part, 8)
        return int(part, 10) if part.isascii() and part.isdigit() else None
    except ValueError:
        return None


def _ipv4(host: str) -> IPv4Address | None:
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or "" in parts:
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):  # type: ignore[operator]
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))  # type: ignore[operator]
    return IPv4Address(value)


def host_address(host: str) -> IPv4Address | IPv6Address | None:
    """The address a URL host names when it is an address literal in any spelling; None for a name."""
    host = normalise_host(host).strip("[]")
    if ":" in host:
        try:
            return ip_address(host.split("%")[0])
        except ValueError:
            return None
    return _ipv4(host)


_NAT64 = (IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48"))


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, compatible, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    packed = int(address)
    if packed >> 32 == 0 and packed > 1:  # ::a.b.c.d, deprecated "IPv4-compatible"
        return IPv4Address(packed & 0xFFFFFFFF)
    if any(address in net for net in _NAT64):
        return IPv4Address(packed & 0xFFFFFFFF)
    return None


def normalise_url(url: str) -> str:
    """The URL with its host as parsers see it; an address literal written as the address it means."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    address = host_address(parts.hostname)
    host = normalise_host(parts.hostname) if address is None else str(address)
    if isinstance(address, IPv6Address):
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    userinfo = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc}" if userinfo else netloc))
