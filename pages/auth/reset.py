"""Reset a password with a one-time code from an administrator (用重置码设置新密码)."""

from __future__ import annotations

import streamlit as st

from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import DomainError, ValidationError
from erp_core.security.reset_services import REDEEM_PERMISSION, redeem_reset_code
from ui.context import client_ip, database, locale, settings
from ui.i18n import tr
from ui.safe import error_md, md

st.title(tr("reset.title"))
st.caption(tr("reset.intro"))
st.info(md("ui.password_policy", min=settings().security.password_min_length), icon=":material/policy:")

with st.form("erp_reset", clear_on_submit=True):
    username = st.text_input(tr("field.username"), max_chars=64, key="rs_username")
    code = st.text_input(tr("reset.code"), max_chars=40, key="rs_code")
    password = st.text_input(tr("field.security.new_password"), type="password", key="rs_password")
    confirm = st.text_input(tr("field.wizard.password_confirm"), type="password", key="rs_confirm")
    submitted = st.form_submit_button(tr("reset.submit"), type="primary", key="rs_submit")

if submitted:
    visitor = Actor.anonymous(client_ip=client_ip(), locale=locale(), permissions=(REDEEM_PERMISSION,))
    try:
        if password != confirm:
            raise ValidationError("error.wizard.password_mismatch", field="field.wizard.password_confirm")
        redeem_reset_code(database(), visitor, username=username, code=code, new_password=password)
    except DomainError as err:
        st.error(error_md(err, locale()), icon=":material/error:")
    else:
        st.success(tr("reset.done"), icon=":material/task_alt:")
