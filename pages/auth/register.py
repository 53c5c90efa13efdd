"""Request an account (申请注册): only while the company allows self-registration. The account stays pending
until an administrator approves it (erp_core.security.registration_services)."""

from __future__ import annotations

import streamlit as st

from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import DomainError, ValidationError
from erp_core.security.registration_services import REGISTRATION_PERMISSION, request_registration
from ui.context import client_ip, database, locale, settings
from ui.i18n import tr
from ui.safe import error_md, md

st.title(tr("register.title"))
st.caption(tr("register.intro"))
st.info(md("ui.password_policy", min=settings().security.password_min_length), icon=":material/policy:")

with st.form("erp_register", clear_on_submit=False):
    username = st.text_input(tr("field.username"), max_chars=64, help=tr("wizard.username_help"), key="rg_username")
    display_name = st.text_input(tr("field.security.display_name"), max_chars=100, key="rg_display_name")
    email = st.text_input(tr("field.security.email"), max_chars=200, key="rg_email")
    phone = st.text_input(tr("field.security.phone"), max_chars=40, key="rg_phone")
    password = st.text_input(tr("field.password"), type="password", key="rg_password")
    confirm = st.text_input(tr("field.wizard.password_confirm"), type="password", key="rg_confirm")
    submitted = st.form_submit_button(tr("register.submit"), type="primary", key="rg_submit")

if submitted:
    visitor = Actor.anonymous(client_ip=client_ip(), locale=locale(), permissions=(REGISTRATION_PERMISSION,))
    try:
        if password != confirm:
            raise ValidationError("error.wizard.password_mismatch", field="field.wizard.password_confirm")
        request_registration(database(), visitor, username=username, display_name=display_name,
                             password=password, email=email or None, phone=phone or None)
    except DomainError as err:
        st.error(error_md(err, locale()), icon=":material/error:")
    else:
        st.success(tr("register.done"), icon=":material/task_alt:")
