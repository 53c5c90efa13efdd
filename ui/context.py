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
