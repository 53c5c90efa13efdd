"""Where a page gets what it works with: the installation's Database, the acting Actor and the locale.

The Database (engine + session factory) is shared across browser sessions through st.cache_resource, which is
thread-safe by construction. Database sessions themselves never go into st.session_state (DESIGN.md rule 3);
only the erp session token and the Actor rebuilt from it on every run live there.
"""

from __future__ import annotations

import streamlit as st

from erp_core.config import Settings, load_settings
from erp_core.db.uow import Database, open_database
from erp_core.i18n import DEFAULT_LOCALE, normalize_locale
from erp_core.kernel.actor import Actor

ACTOR_KEY = "erp_actor"  # the Actor app.py rebuilt from the live erp session on this run
LOCALE_KEY = "erp_locale"  # the interface language chosen before login (or by the user menu)
DATE_FORMAT_KEY = "erp_date_format"  # the company's date format (settings), set by app.py from the profile


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def database() -> Database:
    return open_database(settings())


def actor() -> Actor | None:
    """The logged-in actor of this run, or None before login."""
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    """The logged-in actor; a page reached without one stops here (app.py normally prevents that)."""
    current = actor()
    if current is None:
        st.stop()
    return current


def locale() -> str:
    current = actor()
    if current is not None:
        return normalize_locale(current.locale)
    return normalize_locale(st.session_state.get(LOCALE_KEY, DEFAULT_LOCALE))


def date_format() -> str | None:
    """The company's chosen way of writing dates (e.g. "YYYY/MM/DD"), or None before login."""
    if actor() is None:
        return None
    return st.session_state.get(DATE_FORMAT_KEY)


def _in_networks(address: str, networks: tuple[str, ...]) -> bool:
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def forwarded_client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client address of a request: the direct peer, unless that peer is a trusted proxy, in which case
    the right-most X-Forwarded-For entry that is not itself a trusted proxy (entries further left were
    written by the client and can be forged)."""
    direct = peer or "127.0.0.1"  # Streamlit reports loopback connections as None
    if not trusted or not forwarded_for or not _in_networks(direct, trusted):
        return direct
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in_networks(hop, trusted):
            return hop if _in_networks(hop, ("0.0.0.0/0", "::/0")) else direct
    return hops[0] if hops else direct


def client_ip() -> str:
    """The address the current browser connects from (for login throttling and the audit log).
    X-Forwarded-For counts only when the direct peer is one of settings.security.trusted_proxies."""
    trusted = settings().security.trusted_proxies
    try:
        peer = st.context.ip_address
    except Exception:  # no client context (bare script run)
        peer = None
    peer = peer if isinstance(peer, str) else None  # AppTest has no real connection
    forwarded = None
    # The request's headers are read only when they can count (the peer is a trusted proxy): the session check
    # asks on every rerun, and st.context.headers copies every header of the request each time (issue #17).
    if trusted and _in_networks(peer or "127.0.0.1", trusted):
        try:
            headers = st.context.headers
            forwarded = headers.get("X-Forwarded-For") if headers else None
        except Exception:
            forwarded = None
        forwarded = forwarded if isinstance(forwarded, str) else None
    return forwarded_client_ip(peer, forwarded, trusted)
