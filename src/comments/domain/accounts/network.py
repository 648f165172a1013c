"""Where a request came from, coarsely: what a reader needs to recognise a session, no more."""

from __future__ import annotations

import ipaddress


def coarse_network(address: str | None) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one ("203.0.113.0/24"); "unknown" otherwise.
    Kept instead of the address itself: enough to tell "home" from "somewhere else", not to find a house."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
