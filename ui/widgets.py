"""Streamlit's own interface text in the reader's language.

Streamlit writes a few words of English itself: "Choose an option" / "Choose options" in an empty selectbox or
multiselect, and "None" in the empty cells of st.dataframe / st.data_editor. Each of those widgets takes a
``placeholder`` argument; :func:`localize_streamlit_defaults` (called by app.py before any page runs) makes the
localized text the default, so no page has to remember it and a page that passes its own placeholder keeps it.
tests/ui/test_every_page_language.py checks every page in zh_CN."""

from __future__ import annotations

import functools

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.i18n import tr

_MARK = "_erp_localized_default"


def _choose_one() -> str:
    return tr("ui.widget.choose_option")


def _choose_many() -> str:
    return tr("ui.widget.choose_options")


def _empty_cell() -> str:
    return ""  # an empty cell stays empty (Streamlit's default shows "None")


_DEFAULTS = {"selectbox": _choose_one, "multiselect": _choose_many, "dataframe": _empty_cell,
             "data_editor": _empty_cell}


def _with_default(method, text):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if kwargs.get("placeholder") is None:
            kwargs["placeholder"] = text()
        return method(self, *args, **kwargs)

    setattr(wrapper, _MARK, True)
    return wrapper


def localize_streamlit_defaults() -> None:
    """Install the localized placeholders on every container (st.*, st.sidebar, columns, forms...). Idempotent;
    the text is read from the current user's language on each call."""
    for name, text in _DEFAULTS.items():
        method = getattr(DeltaGenerator, name)
        if not getattr(method, _MARK, False):
            setattr(DeltaGenerator, name, _with_default(method, text))
        # st.selectbox and friends are bound to the main container when streamlit is imported
        bound = getattr(st, name)
        if not getattr(getattr(bound, "__func__", bound), _MARK, False):
            setattr(st, name, getattr(st._main, name))
