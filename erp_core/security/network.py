"""Client addresses and allowed networks. Pure functions (no database, no Streamlit), so the app shell and the
core share one rule: X-Forwarded-For is believed only when the request arrived through a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str | None) -> Address | None:
    """An IP address, or None when ``text`` is not one (an IPv4-mapped IPv6 address becomes IPv4)."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:8080"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:5678"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def parse_network(text: str | None) -> Network | None:
    """A network from CIDR text ("10.0.0.0/8", "192.168.1.7" = one host), or None when invalid.
    Host bits are tolerated ("10.1.2.3/8" means 10.0.0.0/8)."""
    if not text or not text.strip():
        return None
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def in_any(ip: str | None, networks: Iterable[str | Network]) -> bool:
    """True when ``ip`` lies inside one of ``networks`` (False for a missing or invalid address)."""
    addr = parse_ip(ip)
    if addr is None:
        return False
    for net in networks:
        n = parse_network(net) if isinstance(net, str) else net
        if n is not None and addr.version == n.version and addr in n:
            return True
    return False


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def client_ip_from(headers: Mapping[str, str] | None, peer_ip: str | None,
                   trusted_proxies: Iterable[str]) -> str | None:
    """The client's address for login checks, throttling and the audit log.

    ``peer_ip`` is the address the TCP connection came from. When it is a trusted proxy, X-Forwarded-For is read
    from the right (the entry the nearest proxy added) skipping further trusted proxies; the first untrusted
    address is the client. Otherwise the header is ignored (anyone can send it). Invalid entries stop the walk
    at the last address known to be good."""
    trusted = [n for n in (parse_network(p) for p in trusted_proxies) if n is not None]
    peer = parse_ip(peer_ip)
    if peer is None:
        return None
    if not in_any(str(peer), trusted):
        return str(peer)
    forwarded = _header(headers, "X-Forwarded-For")
    if not forwarded:
        return str(peer)
    current = peer
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        addr = parse_ip(hop)
        if addr is None:
            return str(current)
        current = addr
        if not in_any(str(addr), trusted):
            return str(addr)
    return str(current)
