"""Login (登录): streamlit-authenticator's form; erp_core.security.auth decides (see ui/auth.py)."""

from __future__ import annotations

import streamlit as st

from erp_core.i18n import has
from ui import auth
from ui.context import locale
from ui.i18n import tr
from ui.pages import AUTH_PAGES
from ui.safe import error_md, md

DEMO_PASSWORDS_KEY = "erp_demo_passwords"

st.title(tr("login.title"))
st.caption(tr("app.title"))

if st.session_state.get("erp_setup_done"):  # until the first sign-in (component reruns must not hide it)
    st.success(tr("wizard.done"), icon=":material/task_alt:")

demo = st.session_state.get(DEMO_PASSWORDS_KEY)
if demo:
    with st.container(border=True):
        st.warning(tr("login.demo_passwords"), icon=":material/key:")
        st.table({tr("field.username"): list(demo), tr("field.password"): list(demo.values())})

reason = auth.logout_reason()
if reason:
    key = f"login.reason.{reason}"
    st.info(tr(key if has(key) else "login.reason.other"), icon=":material/info:")

authenticator = auth.authenticator()
authenticator.login(location="main", key="erp_login", fields={
    "Form name": tr("login.form"), "Username": tr("login.username"), "Password": tr("login.password"),
    "Login": tr("login.submit")})

if st.session_state.get("authentication_status"):
    st.session_state.pop(DEMO_PASSWORDS_KEY, None)
    st.session_state.pop("erp_setup_done", None)
    st.rerun()  # app.py now finds the live session, renders the cookie and the user's pages

error = auth.login_error()
if error is not None:
    st.error(error_md(error, locale()), icon=":material/error:")
    left = auth.attempts_left() if error.message_id == "error.login.failed" else None
    if left is not None:
        if left:
            st.warning(md("auth_ui.login.attempts_left", n=left), icon=":material/warning:")
        else:
            st.warning(tr("auth_ui.login.attempts_none"), icon=":material/lock:")

# Next to the form, not only in the sidebar (folded away on phones).
st.page_link(AUTH_PAGES["reset"].file, label=tr("auth_ui.login.forgot"), icon=":material/lock_reset:")
st.caption(tr("auth_ui.login.forgot_help"))
