"""Small Streamlit helpers shared by the settings and organisation pages (pages/settings/*,
pages/masterdata/{departments,projects,warehouses}.py): flash messages, exports, paging, confirmations and the
version a form was loaded with. No business rules: erp_core decides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from ui.actions import run_action
from ui.i18n import tr
from ui.safe import md

FLASH_KEY = "settings_flash"


def done(fn: Callable[..., Any], /, **kwargs: Any) -> bool:
    """Run a use case; True when it went through (run_action shows any error in the user's language)."""
    return run_action(lambda db, who, /, **kw: (fn(db, who, **kw), True)[1], **kwargs) is True


def succeed(message_key: str = "settings.saved", *, forget: Sequence[str] = (), **params: Any) -> None:
    """After a successful change: forget the given widget/session keys, show the message after a rerun."""
    for key in forget:
        st.session_state.pop(key, None)
    st.session_state[FLASH_KEY] = md(message_key, **params)  # params may quote a record: shown as text
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/task_alt:")


def export_buttons(rows: Sequence[dict], columns: Sequence[tuple[str, str]], name: str, key: str) -> None:
    """CSV and XLSX downloads of ``rows``; ``columns`` are (row key, header catalog key). Cells are
    formula-injection safe (erp_core.io.export)."""
    headers = [tr(h) for _, h in columns]
    data = [[r.get(k) for k, _ in columns] for r in rows]
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(tr("settings.export_csv"), to_csv_bytes(headers, data), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", icon=":material/download:")
    c2.download_button(tr("settings.export_xlsx"), to_xlsx_bytes(headers, data, sheet=name),
                       file_name=f"{name}.xlsx", key=f"{key}_xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def pager(total: int, page_size: int, key: str) -> int:
    """A page number input (shown only when there is more than one page); returns the chosen page."""
    pages = max(1, -(-total // page_size))
    page = 1
    if st.session_state.get(key, 1) > pages:  # the filter shrank the list
        st.session_state[key] = pages
    if pages > 1:
        page = int(st.number_input(tr("settings.page"), min_value=1, max_value=pages, value=1, step=1, key=key))
    st.caption(md("settings.count", total=total, page=page, pages=pages))
    return page


def table(rows: Sequence[dict], columns: Sequence[tuple[str, str]],
          formatters: dict[str, Callable[[Any], Any]] | None = None) -> None:
    """Rows as a read-only table with localized headers."""
    formatters = formatters or {}
    st.dataframe([{tr(h): formatters.get(k, _plain)(r.get(k)) for k, h in columns} for r in rows],
                 hide_index=True, width="stretch")


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return tr("settings.yes") if value else tr("settings.no")
    return value


def loaded_version(key: str, current: int) -> int:
    """The version the edit form was loaded with (kept across reruns); warns when someone else saved since."""
    loaded = st.session_state.setdefault(key, current)
    if loaded != current:
        st.warning(tr("settings.stale"), icon=":material/sync_problem:")
        if st.button(tr("settings.reload"), key=f"{key}_reload"):
            st.session_state.pop(key, None)
            st.rerun()
    return loaded


def confirmed_button(label_key: str, confirm_key: str, key: str, **params: Any) -> bool:
    """A destructive action: a checkbox "I am sure" must be ticked before the button is enabled."""
    ok = st.checkbox(tr(confirm_key, **params), key=f"{key}_ok")
    return st.button(tr(label_key), key=key, disabled=not ok, type="primary")


def active_toggle(actor, *, permission_prefix: str, key: str, label: str, active: bool, version: int,
                  version_key: str, deactivate: Callable[..., Any], activate: Callable[..., Any],
                  **ids: Any) -> None:
    """Deactivate an active record (confirmed first) or activate an inactive one, each offered only to holders
    of ``<permission_prefix>.deactivate`` / ``.activate`` (the use case checks again)."""
    if active and actor.may(f"{permission_prefix}.deactivate"):
        if confirmed_button("settings.deactivate", "settings.confirm_deactivate", f"{key}_deactivate",
                            item=label) and done(deactivate, version=version, **ids):
            succeed(forget=[version_key, f"{key}_deactivate_ok"])
    if not active and actor.may(f"{permission_prefix}.activate"):
        if st.button(tr("settings.activate"), key=f"{key}_activate") and done(activate, version=version, **ids):
            succeed(forget=[version_key])
