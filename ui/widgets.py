"""Streamlit's own interface text in the reader's language.

Streamlit writes a few words of English itself: "Choose an option" / "Choose options" in an empty selectbox or
multiselect, and "None" in the empty cells of st.dataframe / st.data_editor. Each of those widgets takes a
``placeholder`` argument; :func:`localize_streamlit_defaults` (called by app.py before any page runs) makes the
localized text the default, so no page has to remember it and a page that passes its own placeholder keeps it.
tests/ui/test_every_page_language.py checks every page in zh_CN."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

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


_PLAIN = (str, int, float, Decimal, dt.date, dt.time)


def _plain(value: object) -> bool:
    if isinstance(value, bool):  # buttons (whose state may not be set) and check boxes (whose wire value is stable)
        return False
    if isinstance(value, list | tuple):
        return all(_plain(v) and v is not None for v in value)
    return isinstance(value, _PLAIN)


# Widgets whose state session state may set (Streamlit refuses it for buttons, uploads, chat input).
_SETTABLE = {"string_value", "string_array_value", "int_value", "double_value", "double_array_value", "bool_value"}


def _value_type(key: str) -> str | None:
    """The wire type of the widget registered under ``key`` (None: not a widget, or not known)."""
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state

        state = get_session_state()._state
        widget_id = state.get_widget_id_from_key(key)
        meta = state.get_widget_metadata(widget_id) if widget_id else None
        return meta.value_type if meta is not None else None
    except Exception:  # another Streamlit version: fall back to the value's own type
        return None


def keep_choices_across_language_switch() -> None:
    """Call from the language picker's on_change callback (it runs before the page).

    A selectbox, radio or multiselect travels between browser and server as the LABEL of its option, and labels
    are translated: after a switch the browser sends "全部级次" to a page whose options now read "All levels".
    Streamlit then drops the choice (the filter the user set is lost, or the box keeps showing the old label
    while the page uses the default). Writing every keyed widget's current VALUE (the option itself, e.g. an
    account code, decoded with the labels of the run that drew it) back into session state makes the next run
    keep the choice and show it with the new label. Values that cannot or need not be written back are left
    alone: buttons, file uploaders, tables being edited (their state is not a plain value)."""
    state = st.session_state
    for key in list(state.keys()):
        if not isinstance(key, str) or key.startswith(("FormSubmitter:", "$$")):
            continue
        try:
            value = state[key]
        except Exception:  # a widget whose stored state cannot be read any more: Streamlit resets it
            continue
        kind = _value_type(key)
        if kind is not None and kind not in _SETTABLE:
            continue
        if _plain(value) or (value is None and kind in _SETTABLE):  # an empty choice ("any") is a choice too
            state[key] = value
