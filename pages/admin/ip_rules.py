"""IP rules (访问地址限制): networks (CIDR) a user or a role may log in from; add and remove (after confirmation).
erp_core.security.ip_services decides; a user or role with no rule is not restricted."""

from __future__ import annotations

import streamlit as st

from erp_core.security.ip_services import add_ip_rule, delete_ip_rule, list_ip_rules
from erp_core.security.role_services import list_roles
from erp_core.security.user_services import list_users
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import datetime, tr
from ui.safe import md

actor = require_actor()
zh = locale().startswith("zh")
st.title(tr("admin_ui.ip.title"))
st.caption(tr("admin_ui.ip.help"))

flash = st.session_state.pop("ai_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

if actor.may("admin.ip_rule.create"):
    users = (run_action(list_users, status="active", limit=5000) or []) if actor.may("admin.user.view") else []
    roles = (run_action(list_roles) or []) if actor.may("admin.role.view") else []
    user_names = {u.id: f"{u.username} — {u.display_name}" for u in users}
    role_names = {r.id: f"{r.code} — {r.name_zh if zh else r.name_en}" for r in roles}
    with st.expander(tr("admin_ui.ip.add"), icon=":material/add:", expanded=True):
        kind = st.radio(tr("field.security.rule_target"), ["user", "role"], key="ai_kind", horizontal=True,
                        format_func={k: tr(f"admin_ui.ip.kind_{k}") for k in ("user", "role")}.__getitem__)
        with st.form("ai_add_form"):
            if kind == "user":
                target = st.selectbox(tr("admin_ui.ip.kind_user"), [None, *user_names], key="ai_user",
                                      format_func={None: tr("admin_ui.none"), **user_names}.__getitem__)
            else:
                target = st.selectbox(tr("admin_ui.ip.kind_role"), [None, *role_names], key="ai_role",
                                      format_func={None: tr("admin_ui.none"), **role_names}.__getitem__)
            cidr = st.text_input(tr("field.security.cidr"), key="ai_cidr", placeholder="192.168.1.0/24")
            note = st.text_input(tr("field.security.note"), key="ai_note")
            add = st.form_submit_button(tr("admin_ui.ip.add"), type="primary", key="ai_submit")
        if add:
            rule_id = run_action(add_ip_rule, cidr=cidr, note=note or None,
                                 user_id=target if kind == "user" else None,
                                 role_id=target if kind == "role" else None)
            if rule_id is not None:
                for key in ("ai_cidr", "ai_note"):
                    st.session_state.pop(key, None)
                st.session_state["ai_flash"] = tr("admin_ui.ip.added", cidr=cidr.strip())
                st.rerun()

rules = run_action(list_ip_rules)
if rules is None:
    st.stop()
if not rules:
    st.info(tr("admin_ui.ip.none"), icon=":material/info:")
    st.stop()


def _target(r) -> str:
    if r.user_id is not None:
        return f"{tr('admin_ui.ip.kind_user')}: {r.username}"
    return f"{tr('admin_ui.ip.kind_role')}: {r.role_code}"


st.dataframe([{
    "ID": r.id,
    tr("field.security.cidr"): r.cidr,
    tr("field.security.rule_target"): _target(r),
    tr("field.security.note"): r.note or "",
    tr("admin_ui.users.created_at"): datetime(r.created_at),
} for r in rules], hide_index=True, width="stretch")

if actor.may("admin.ip_rule.delete"):
    labels = {r.id: f"#{r.id} {r.cidr} · {_target(r)}" for r in rules}
    picked = st.selectbox(tr("admin_ui.ip.pick"), list(labels), key="ai_pick", format_func=lambda i: labels[i])
    ok = st.checkbox(md("admin_ui.ip.delete_confirm", rule=labels[picked]), key="ai_delete_ok")
    if st.button(tr("admin_ui.ip.delete"), key="ai_delete", disabled=not ok):
        if run_action(lambda db, who, /, **kw: (delete_ip_rule(db, who, **kw), True)[1], rule_id=picked):
            st.session_state.pop("ai_delete_ok", None)
            st.session_state["ai_flash"] = tr("admin_ui.ip.deleted", rule=labels[picked])
            st.rerun()
