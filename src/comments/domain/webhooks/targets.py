"""Where webhooks may be sent. The service POSTs from inside the publisher's network to a URL that a site
admin typed, so by default it refuses targets that are not public addresses: loopback, private and
carrier-grade NAT ranges, link-local (cloud metadata services live there), multicast and reserved ones.
Otherwise an admin could probe internal services through the delivery log's status codes.

Checked twice: when a URL is saved (an address typed as a literal, or `localhost`) and before every
delivery, after DNS, on every address the name resolves to. A name can still resolve differently between
that check and the connection (DNS rebinding), so deny private ranges at the network level as well where
admins are not trusted (docs/moderation.md). Operators whose receivers are on an intranet allow private
targets with COMMENTS_WEBHOOK_PRIVATE_TARGETS=true.
"""

from __future__ import annotations

import asyncio
import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

from comments.netaddr import embedded_ipv4, host_address, normalise_host

SETTING = "COMMENTS_WEBHOOK_PRIVATE_TARGETS"


def is_forbidden(address: IPv4Address | IPv6Address) -> bool:
    """Not a public unicast address (an IPv4 address carried in IPv6, mapped, NAT64 or 6to4, is judged as
    IPv4)."""
    if isinstance(address, IPv6Address) and (v4 := embedded_ipv4(address)) is not None:
        address = v4
    return not address.is_global or address.is_multicast


def saved_url_problem(url: str) -> str | None:
    """Why a URL may not be saved, judged from the URL alone (names are checked when sending). The host is
    read as URL parsers and inet_aton read it, so no spelling of an address slips through."""
    raw = urlsplit(url).hostname or ""
    host = normalise_host(raw)
    if host == "localhost" or host.endswith(".localhost"):
        return f"'{host}' is this server itself."
    address = host_address(raw)
    if address is None:
        return None
    return f"{raw} ({address}) is not a public address." if is_forbidden(address) else None


async def delivery_problem(url: str) -> str | None:
    """Why a delivery may not go to this URL now: an address the name resolves to is not public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if problem := saved_url_problem(url):
        return problem
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    # Scoped IPv6 addresses come back as "fe80::1%eth0"; the scope does not change the range.
    forbidden = sorted({str(info[4][0]) for info in infos if is_forbidden(ip_address(str(info[4][0]).split("%")[0]))})
    return f"{host} resolves to an address that is not public ({', '.join(forbidden)})." if forbidden else None
