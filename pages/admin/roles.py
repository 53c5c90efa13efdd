"""Roles and grants (角色与授权): role list, create / rename / delete, and the grant matrix (every catalog permission,
grouped by module, with a row scope or none), saved as a whole after the difference is shown.
erp_core.security.role_services decides."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from erp_core.security.role_services import (
    create_role,
    delete_role,
    list_roles,
    permission_catalog,
    role_grants,
    set_role_grants,
    update_role,
)
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.sections import section

SCOPES = ("none", "all", "department", "project", "own")

actor = require_actor()
zh = locale().startswith("zh")
st.title(tr("admin_ui.roles.title"))
help_link("security", "roles")  # "?" to this page's part of the help centre

flash = st.session_state.pop("ar_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")


def done(fn, /, **kwargs) -> bool:
    """Run a use case that returns nothing; True when it went through (run_action shows any error)."""
    return run_action(lambda db, who, /, **kw: (fn(db, who, **kw), True)[1], **kwargs) is True


def _name(role) -> str:
    return role.name_zh if zh else role.name_en


# --- create ---------------------------------------------------------------------------------------------------
if actor.may("admin.role.create"):
    with st.expander(tr("admin_ui.roles.create"), icon=":material/add:"):
        with st.form("ar_create_form"):
            code = st.text_input(tr("field.security.role_code"), key="ar_new_code",
                                 help=tr("admin_ui.roles.code_help"))
            name_zh = st.text_input(tr("field.security.role_name_zh"), key="ar_new_zh")
            name_en = st.text_input(tr("field.security.role_name_en"), key="ar_new_en")
            create = st.form_submit_button(tr("admin_ui.roles.create_submit"), type="primary", key="ar_create")
        if create:
            new_id = run_action(create_role, code=code, name_zh=name_zh, name_en=name_en)
            if new_id is not None:
                for key in ("ar_new_code", "ar_new_zh", "ar_new_en"):
                    st.session_state.pop(key, None)
                st.session_state["ar_pick"] = new_id
                st.session_state["ar_flash"] = tr("admin_ui.roles.created", code=code.strip().lower())
                st.rerun()

# --- list -----------------------------------------------------------------------------------------------------
roles = run_action(list_roles)
if not roles:
    st.stop()
st.dataframe([{
    tr("field.security.role_code"): r.code,
    tr("admin_ui.roles.name"): _name(r),
    tr("admin_ui.roles.is_admin"): tr("admin_ui.yes") if r.is_admin else tr("admin_ui.no"),
    tr("admin_ui.roles.users"): r.user_count,
    tr("admin_ui.roles.grants"): r.grant_count,
} for r in roles], hide_index=True, width="stretch")

by_id = {r.id: r for r in roles}
if st.session_state.get("ar_pick") not in by_id:
    st.session_state["ar_pick"] = roles[0].id
picked = st.selectbox(tr("admin_ui.roles.pick"), list(by_id), key="ar_pick",
                      format_func=lambda i: f"{by_id[i].code} — {_name(by_id[i])}")
role = by_id[picked]
st.subheader(md("admin_ui.roles.detail", code=role.code))

ver_key = f"ar_ver_{role.id}"  # the version the forms were loaded with (both sections)
# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("ar_section", ("matrix", "edit"), "admin_ui.roles.tab_", tr("admin_ui.roles.title"))

# --- rename / delete ------------------------------------------------------------------------------------------
if chosen == "edit":
    loaded_version = st.session_state.setdefault(ver_key, role.version)
    if loaded_version != role.version:
        st.warning(tr("admin_ui.stale"), icon=":material/sync_problem:")
        if st.button(tr("admin_ui.reload"), key="ar_reload"):
            for key in (ver_key, f"ar_e_zh_{role.id}", f"ar_e_en_{role.id}"):
                st.session_state.pop(key, None)
            st.rerun()
    with st.form(f"ar_edit_form_{role.id}"):
        e_zh = st.text_input(tr("field.security.role_name_zh"), value=role.name_zh, key=f"ar_e_zh_{role.id}")
        e_en = st.text_input(tr("field.security.role_name_en"), value=role.name_en, key=f"ar_e_en_{role.id}")
        save = st.form_submit_button(tr("admin_ui.save"), type="primary", key="ar_save",
                                     disabled=not actor.may("admin.role.edit"))
    if save and done(update_role, role_id=role.id, version=loaded_version, name_zh=e_zh, name_en=e_en):
        st.session_state.pop(ver_key, None)
        st.session_state.pop(f"ar_draft_{role.id}", None)
        st.session_state["ar_flash"] = tr("admin_ui.saved")
        st.rerun()
    if actor.may("admin.role.delete") and not role.is_admin:
        with st.container(border=True):
            st.markdown(f"**{tr('admin_ui.roles.delete')}**")
            st.caption(tr("admin_ui.roles.delete_help"))
            ok = st.checkbox(md("admin_ui.roles.delete_confirm", code=role.code), key="ar_delete_ok")
            if st.button(tr("admin_ui.roles.delete"), key="ar_delete", disabled=not ok) \
                    and done(delete_role, role_id=role.id):
                st.session_state.pop("ar_delete_ok", None)
                st.session_state.pop("ar_pick", None)
                st.session_state["ar_flash"] = tr("admin_ui.roles.deleted", code=role.code)
                st.rerun()

# --- grant matrix ---------------------------------------------------------------------------------------------
if chosen == "matrix":
    catalog = run_action(permission_catalog) or []
    current = run_action(role_grants, role_id=role.id)
    if current is None:
        st.stop()
    scope_label = {s: tr(f"admin_ui.scope.{s}") for s in SCOPES}
    label_scope = {v: k for k, v in scope_label.items()}
    if role.is_admin:
        st.info(tr("admin_ui.roles.admin_fixed"), icon=":material/shield:")
    # The draft is the whole matrix being edited, kept with the role version it was loaded from.
    draft_key = f"ar_draft_{role.id}"
    if draft_key not in st.session_state:
        st.session_state[draft_key] = {"version": role.version,
                                       "grants": {p.code: current.get(p.code, "none") for p in catalog}}
    draft = st.session_state[draft_key]
    if draft["version"] != role.version:
        st.warning(tr("admin_ui.stale"), icon=":material/sync_problem:")
        if st.button(tr("admin_ui.reload"), key="ar_matrix_reload"):
            st.session_state.pop(draft_key, None)
            st.rerun()
    modules = sorted({p.module for p in catalog})
    c1, c2 = st.columns([1, 2])
    module = c1.selectbox(tr("admin_ui.roles.module"), ["", *modules], key="ar_module",
                          format_func={"": tr("admin_ui.all"), **{m: m for m in modules}}.__getitem__)
    text = c2.text_input(tr("admin_ui.search"), key="ar_matrix_search")
    rows = [p for p in catalog if (not module or p.module == module)
            and (not text or text.lower() in f"{p.code} {p.zh} {p.en}".lower())]
    frame = pd.DataFrame({
        "module": [p.module for p in rows],
        "code": [p.code for p in rows],
        "label": [p.zh if zh else p.en for p in rows],
        "scope": [scope_label[draft["grants"].get(p.code, "none")] for p in rows],
    })
    edited = st.data_editor(
        frame, key=f"ar_matrix_{role.id}_{module}_{text}", hide_index=True, width="stretch",
        disabled=role.is_admin or not actor.may("admin.role.grant"),
        column_config={
            "module": st.column_config.TextColumn(tr("admin_ui.roles.module"), disabled=True),
            "code": st.column_config.TextColumn(tr("admin_ui.roles.permission"), disabled=True),
            "label": st.column_config.TextColumn(tr("admin_ui.roles.label"), disabled=True),
            "scope": st.column_config.SelectboxColumn(tr("admin_ui.roles.scope"),
                                                      options=[scope_label[s] for s in SCOPES], required=True),
        })
    for code_, label in zip(edited["code"], edited["scope"], strict=True):
        draft["grants"][code_] = label_scope.get(label, "none")

    added = {p: s for p, s in draft["grants"].items() if s != "none" and p not in current}
    removed = {p: s for p, s in current.items() if draft["grants"].get(p, "none") == "none"}
    rescoped = {p: (current[p], s) for p, s in draft["grants"].items() if s != "none" and p in current
                and current[p] != s}
    if not role.is_admin:
        st.markdown(f"**{tr('admin_ui.roles.diff')}**")
        if not (added or removed or rescoped):
            st.caption(tr("admin_ui.roles.no_changes"))
        else:
            diff_rows = ([{tr("admin_ui.roles.permission"): p, tr("admin_ui.roles.change"):
                           tr("admin_ui.roles.added"), tr("admin_ui.roles.before"): "",
                           tr("admin_ui.roles.after"): scope_label[s]} for p, s in sorted(added.items())]
                         + [{tr("admin_ui.roles.permission"): p, tr("admin_ui.roles.change"):
                             tr("admin_ui.roles.removed"), tr("admin_ui.roles.before"): scope_label.get(s, s),
                             tr("admin_ui.roles.after"): ""} for p, s in sorted(removed.items())]
                         + [{tr("admin_ui.roles.permission"): p, tr("admin_ui.roles.change"):
                             tr("admin_ui.roles.rescoped"), tr("admin_ui.roles.before"): scope_label.get(b, b),
                             tr("admin_ui.roles.after"): scope_label[a]} for p, (b, a) in sorted(rescoped.items())])
            st.dataframe(diff_rows, hide_index=True, width="stretch")
            ok = st.checkbox(md("admin_ui.roles.grant_confirm", count=len(diff_rows), code=role.code),
                             key="ar_grant_ok")
            if st.button(tr("admin_ui.roles.grant_save"), key="ar_grant_save", type="primary",
                         disabled=not ok or not actor.may("admin.role.grant")):
                grants = {p: s for p, s in draft["grants"].items() if s != "none"}
                if done(set_role_grants, role_id=role.id, grants=grants, version=draft["version"]):
                    st.session_state.pop(draft_key, None)
                    st.session_state.pop(ver_key, None)
                    st.session_state.pop("ar_grant_ok", None)
                    st.session_state["ar_flash"] = tr("admin_ui.roles.grants_saved", code=role.code,
                                                      count=len(diff_rows))
                    st.rerun()
