"""Registration requests (注册申请): pending self-registrations; approve with role(s) and department, or reject
with a reason (kept on record). Also turns self-registration on or off. erp_core.security.registration_services
decides."""

from __future__ import annotations

import streamlit as st

from erp_core.security.admin_page_queries import department_choices
from erp_core.security.registration_services import (
    approve_registration,
    get_registration_open,
    list_pending_registrations,
    reject_registration,
    set_registration_open,
)
from erp_core.security.role_services import list_roles
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import datetime, tr
from ui.safe import md
from ui.sections import section

actor = require_actor()
zh = locale().startswith("zh")
st.title(tr("admin_ui.reg.title"))

flash = st.session_state.pop("ag_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")


def done(fn, /, **kwargs) -> bool:
    """Run a use case that returns nothing; True when it went through (run_action shows any error)."""
    return run_action(lambda db, who, /, **kw: (fn(db, who, **kw), True)[1], **kwargs) is True


if actor.may("admin.security_policy.view"):
    is_open = run_action(get_registration_open)
    if is_open is not None:
        with st.container(border=True):
            st.markdown(tr("admin_ui.reg.open") if is_open else tr("admin_ui.reg.closed"))
            if actor.may("admin.security_policy.edit"):
                label = tr("admin_ui.reg.close_now") if is_open else tr("admin_ui.reg.open_now")
                if st.button(label, key="ag_toggle") and done(set_registration_open, open=not is_open):
                    st.rerun()

pending = run_action(list_pending_registrations)
if pending is None:
    st.stop()
if not pending:
    st.info(tr("admin_ui.reg.none"), icon=":material/inbox:")
    st.stop()

st.dataframe([{
    tr("field.username"): u.username,
    tr("field.security.display_name"): u.display_name,
    tr("field.security.email"): u.email or "",
    tr("field.security.phone"): u.phone or "",
    tr("admin_ui.reg.requested_at"): datetime(u.created_at),
} for u in pending], hide_index=True, width="stretch")

labels = {u.id: f"{u.username} — {u.display_name}" for u in pending}
picked = st.selectbox(tr("admin_ui.reg.pick"), list(labels), key="ag_pick", format_func=lambda i: labels[i])
name = next(u.username for u in pending if u.id == picked)

roles = (run_action(list_roles) or []) if actor.may("admin.role.view") else []
role_names = {r.code: f"{r.name_zh if zh else r.name_en} ({r.code})" for r in roles}
departments = run_action(department_choices) or []
dep_names = {d.id: f"{d.code} {d.name}" for d in departments}

# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("ag_section", ("approve", "reject"), "admin_ui.reg.", tr("admin_ui.reg.title"))
if chosen == "approve":
    with st.form(f"ag_approve_form_{picked}"):
        chosen = st.multiselect(tr("field.security.roles"), list(role_names), key=f"ag_roles_{picked}",
                                placeholder=tr("admin_ui.choose"),
                                format_func=lambda c: role_names[c])
        dep = st.selectbox(tr("field.security.department"), [None, *dep_names], key=f"ag_dep_{picked}",
                           format_func={None: tr("admin_ui.none"), **dep_names}.__getitem__)
        approve = st.form_submit_button(tr("admin_ui.reg.approve"), type="primary", key="ag_approve",
                                        disabled=not actor.may("admin.registration.approve"))
    if approve and done(approve_registration, user_id=picked, role_codes=list(chosen), department_id=dep):
        st.session_state["ag_flash"] = tr("admin_ui.reg.approved", username=name)
        st.rerun()
if chosen == "reject":
    with st.form(f"ag_reject_form_{picked}"):
        reason = st.text_area(tr("field.security.reason"), key=f"ag_reason_{picked}")
        ok = st.checkbox(md("admin_ui.reg.reject_confirm", username=name), key=f"ag_reject_ok_{picked}")
        reject = st.form_submit_button(tr("admin_ui.reg.reject"), key="ag_reject",
                                       disabled=not actor.may("admin.registration.reject"))
    if reject:
        if not ok:
            st.warning(tr("admin_ui.confirm_first"), icon=":material/warning:")
        elif done(reject_registration, user_id=picked, reason=reason):
            st.session_state["ag_flash"] = tr("admin_ui.reg.rejected", username=name)
            st.rerun()
