"""Change own password (修改密码). Forced at the first login of a user whose password was generated; every other
session of the user ends."""

from __future__ import annotations

import streamlit as st

from erp_core.security.account_services import change_password, my_profile
from erp_core.security.auth import sign_out_everywhere
from ui.actions import run_action
from ui.context import settings
from ui.i18n import tr
from ui.safe import md

st.title(tr("account.password.title"))
profile = run_action(my_profile)
if profile is not None and profile.must_change_password:
    st.warning(tr("account.password.forced"), icon=":material/lock_reset:")
st.info(md("ui.password_policy", min=settings().security.password_min_length), icon=":material/policy:")

with st.form("erp_change_password", clear_on_submit=True):
    current = st.text_input(tr("field.account.current_password"), type="password", key="cp_current")
    new = st.text_input(tr("field.account.new_password"), type="password", key="cp_new")
    confirm = st.text_input(tr("field.account.confirm_password"), type="password", key="cp_confirm")
    submitted = st.form_submit_button(tr("account.password.submit"), type="primary", key="cp_submit")

if submitted:
    ended = run_action(change_password, current_password=current, new_password=new, confirm_password=confirm)
    if ended is not None:
        st.session_state["erp_flash"] = tr("account.password.changed", ended=ended)
        st.rerun()  # app.py reads the profile again: the forced page gives way to the user's pages

flash = st.session_state.pop("erp_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

if profile is not None and not profile.must_change_password:
    st.divider()
    st.subheader(tr("account.sessions.title"))
    st.caption(tr("account.sessions.help"))
    if st.button(tr("account.sessions.sign_out_others"), key="cp_sign_out_others", icon=":material/devices:"):
        ended = run_action(sign_out_everywhere, keep_current=True)
        if ended is not None:
            st.success(md("account.sessions.ended", ended=ended), icon=":material/task_alt:")
