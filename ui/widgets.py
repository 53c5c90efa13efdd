"""Streamlit's own interface text in the reader's language, and dates the company's way.

Streamlit writes a few words of English itself: "Choose an option" / "Choose options" in an empty selectbox or
multiselect, and "None" in the empty cells of st.dataframe / st.data_editor. Each of those widgets takes a
``placeholder`` argument; :func:`localize_streamlit_defaults` (called by app.py before any page runs) makes the
localized text the default, so no page has to remember it and a page that passes its own placeholder keeps it.
The same defaults write dates as the company chose (settings: date format): date columns of every table get a
DateColumn with that format, and st.date_input the nearest format it supports. tests/ui/test_every_page_language.py
checks every page in zh_CN; tests/ui/test_date_format.py the dates."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.context import date_format
from ui.i18n import tr

_MARK = "_erp_localized_default"


def _placeholder(text):
    def adjust(args, kwargs) -> None:
        if kwargs.get("placeholder") is None:
            kwargs["placeholder"] = text()
    return adjust


def _empty(value: object) -> bool:
    import pandas as pd

    if isinstance(value, str):
        return value == ""
    if isinstance(value, float):
        return value != value  # NaN
    return value is None or value is pd.NaT or value is pd.NA


def _without_blanks(data, names: set[str]):
    """``data`` with "" in the date columns ``names`` turned into a missing value (a date column holds dates)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        data = data.copy()
        for name in data.columns:
            if str(name) in names:
                data[name] = [None if _empty(v) else v for v in data[name].tolist()]
        return data
    return [{k: (None if str(k) in names and _empty(v) else v) for k, v in row.items()} for row in data]


def _date_kinds(data) -> dict[str, str]:
    """Column name -> "date" for the columns of ``data`` (a DataFrame or a list of row dicts) holding dates."""
    import pandas as pd

    columns: dict[str, list] = {}
    if isinstance(data, pd.DataFrame):
        for name in data.columns:
            if pd.api.types.is_datetime64_any_dtype(data[name]):
                continue  # timestamps: pages format them in the reader's time zone themselves
            if data[name].dtype == object:
                columns[str(name)] = [v for v in data[name].tolist() if not _empty(v)]
    elif isinstance(data, list | tuple) and data and all(isinstance(r, dict) for r in data):
        for row in data:
            for name, v in row.items():
                if not _empty(v):
                    columns.setdefault(str(name), []).append(v)
    return {name: "date" for name, values in columns.items()
            if values and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values)}


def _table(args, kwargs) -> None:
    if kwargs.get("placeholder") is None:
        kwargs["placeholder"] = ""  # an empty cell stays empty (Streamlit's default shows "None")
    pattern = date_format()
    if not pattern:
        return
    data = args[0] if args else kwargs.get("data")
    dates = set(_date_kinds(data))
    if not dates:
        return
    config = dict(kwargs.get("column_config") or {})
    for name in dates:
        config.setdefault(name, st.column_config.DateColumn(format=pattern))
    kwargs["column_config"] = config
    data = _without_blanks(data, dates)
    if args:
        args[0] = data
    else:
        kwargs["data"] = data


# st.date_input writes only these (with "/", "-" or "." between the parts)
_DATE_INPUT = {"YYYY/MM/DD": "YYYY/MM/DD", "YYYY-MM-DD": "YYYY-MM-DD", "DD/MM/YYYY": "DD/MM/YYYY",
               "MM/DD/YYYY": "MM/DD/YYYY", "YYYY年MM月DD日": "YYYY/MM/DD"}


def _date_input(args, kwargs) -> None:
    if kwargs.get("format") is None and (pattern := date_format()):
        kwargs["format"] = _DATE_INPUT.get(pattern, "YYYY/MM/DD")


_DEFAULTS = {"selectbox": _placeholder(lambda: tr("ui.widget.choose_option")),
             "multiselect": _placeholder(lambda: tr("ui.widget.choose_options")),
             "dataframe": _table, "data_editor": _table, "date_input": _date_input}


def _with_default(method, adjust):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        args = list(args)
        adjust(args, kwargs)
        return method(self, *args, **kwargs)

    setattr(wrapper, _MARK, True)
    return wrapper


def localize_streamlit_defaults() -> None:
    """Install the localized placeholders on every container (st.*, st.sidebar, columns, forms...). Idempotent;
    the text is read from the current user's language on each call."""
    for name, adjust in _DEFAULTS.items():
        method = getattr(DeltaGenerator, name)
        if not getattr(method, _MARK, False):
            setattr(DeltaGenerator, name, _with_default(method, adjust))
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
