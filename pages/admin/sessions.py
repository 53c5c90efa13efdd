"""Active sessions (在线会话): who is logged in where, and revoking one session after confirmation (its cookie
stops working at the next page load). erp_core.security.session_services decides."""

from __future__ import annotations

import streamlit as st

from erp_core.security.session_services import list_active_sessions, revoke_user_session
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.safe import md

actor = require_actor()
st.title(tr("admin_ui.sessions.title"))
help_link("security", "sessions")  # "?" to this page's part of the help centre

flash = st.session_state.pop("as_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

rows = run_action(list_active_sessions)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("admin_ui.sessions.none"), icon=":material/info:")
    st.stop()

search = st.text_input(tr("admin_ui.search"), key="as_search", placeholder=tr("admin_ui.sessions.search_hint"))
if search.strip():
    needle = search.strip().lower()
    rows = [r for r in rows if needle in f"{r.username} {r.display_name} {r.client_ip or ''}".lower()]


def _mine(r) -> str:
    return tr("admin_ui.sessions.this_one") if r.id == actor.session_id else ""


st.caption(tr("admin_ui.sessions.count", total=len(rows)))
st.dataframe([{
    "ID": r.id,
    tr("field.username"): r.username,
    tr("field.security.display_name"): r.display_name,
    tr("admin_ui.sessions.ip"): r.client_ip or "",
    tr("admin_ui.sessions.agent"): (r.user_agent or "")[:80],
    tr("admin_ui.sessions.started"): datetime(r.created_at),
    tr("admin_ui.sessions.last_seen"): datetime(r.last_seen_at),
    tr("admin_ui.sessions.expires"): datetime(r.expires_at),
} for r in rows], hide_index=True, width="stretch")

if rows:
    labels = {r.id: f"#{r.id} {r.username} · {r.client_ip or '?'} · {datetime(r.last_seen_at)} {_mine(r)}"
              for r in rows}
    picked = st.selectbox(tr("admin_ui.sessions.pick"), list(labels), key="as_pick",
                          format_func=lambda i: labels[i])
    if picked == actor.session_id:
        st.warning(tr("admin_ui.sessions.own_warning"), icon=":material/warning:")
    ok = st.checkbox(md("admin_ui.sessions.confirm", id=picked), key="as_confirm")
    if st.button(tr("admin_ui.sessions.revoke"), key="as_revoke", type="primary", disabled=not ok,
                 icon=":material/logout:"):
        if run_action(lambda db, who, /, **kw: (revoke_user_session(db, who, **kw), True)[1], session_id=picked):
            st.session_state.pop("as_confirm", None)
            st.session_state["as_flash"] = tr("admin_ui.sessions.revoked", id=picked)
            st.rerun()
