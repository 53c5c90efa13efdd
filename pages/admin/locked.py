"""Locked accounts (锁定账户): accounts locked by failed logins, and unlocking one after confirmation (the failure
counter starts again at zero). erp_core.security.user_services decides."""

from __future__ import annotations

import streamlit as st

from erp_core.security.user_services import list_locked_users, unlock_user
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import datetime, tr
from ui.safe import md

actor = require_actor()
st.title(tr("admin_ui.locked.title"))
st.caption(tr("admin_ui.locked.help"))

flash = st.session_state.pop("al_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

locked = run_action(list_locked_users)
if locked is None:
    st.stop()
if not locked:
    st.info(tr("admin_ui.locked.none"), icon=":material/lock_open:")
    st.stop()

st.dataframe([{
    tr("field.username"): u.username,
    tr("field.security.display_name"): u.display_name,
    tr("admin_ui.users.failed_logins"): u.failed_logins,
    tr("admin_ui.locked.locked_at"): datetime(u.locked_at) if u.locked_at else "",
    tr("admin_ui.users.last_login"): datetime(u.last_login_at) if u.last_login_at else "",
} for u in locked], hide_index=True, width="stretch")

labels = {u.id: f"{u.username} — {u.display_name}" for u in locked}
picked = st.selectbox(tr("admin_ui.locked.pick"), list(labels), key="al_pick", format_func=lambda i: labels[i])
name = next(u.username for u in locked if u.id == picked)
ok = st.checkbox(md("admin_ui.locked.confirm", username=name), key="al_confirm")
if st.button(tr("admin_ui.locked.unlock"), key="al_unlock", type="primary", icon=":material/lock_open:",
             disabled=not ok):
    if run_action(lambda db, who, /, **kw: (unlock_user(db, who, **kw), True)[1], user_id=picked):
        st.session_state.pop("al_confirm", None)
        st.session_state["al_flash"] = tr("admin_ui.locked.unlocked", username=name)
        st.rerun()
