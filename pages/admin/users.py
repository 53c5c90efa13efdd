"""Users (用户管理): search and filter, detail, create (initial password -> forced change), edit (version-checked),
roles and projects, disable / enable, one-time reset code, sign out everywhere. erp_core.security.user_services
decides."""

from __future__ import annotations

import streamlit as st

from erp_core.security.admin_page_queries import department_choices, project_choices
from erp_core.security.models import USER_STATUSES
from erp_core.security.reset_services import issue_reset_code
from erp_core.security.role_services import list_roles
from erp_core.security.session_services import sign_out_user_everywhere
from erp_core.security.user_services import (
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    set_user_password,
    set_user_projects,
    set_user_roles,
    update_user,
)
from ui.actions import run_action
from ui.context import locale, require_actor, settings
from ui.help import help_link
from ui.i18n import datetime, tr
from ui.nav import all_pages
from ui.safe import md, md_escape
from ui.sections import section

PAGE_SIZE = 25

actor = require_actor()
st.title(tr("admin_ui.users.title"))
help_link("security", "users")  # "?" to this page's part of the help centre

flash = st.session_state.pop("au_flash", None)
if flash:
    st.success(flash, icon=":material/task_alt:")

departments = run_action(department_choices) or []
dep_names = {d.id: f"{d.code} {d.name}" for d in departments}
project_names = {p.id: f"{p.code} {p.name}" for p in (run_action(project_choices) or [])}
roles = (run_action(list_roles) or []) if actor.may("admin.role.view") else []
zh = locale().startswith("zh")
role_names = {r.id: f"{r.name_zh if zh else r.name_en} ({r.code})" for r in roles}


def done(fn, /, **kwargs) -> bool:
    """Run a use case that returns nothing; True when it went through (run_action shows any error)."""
    return run_action(lambda db, who, /, **kw: (fn(db, who, **kw), True)[1], **kwargs) is True


def _status(code: str) -> str:
    return tr(f"admin_ui.status.{code}")


def _dep(dep_id: int | None) -> str:
    return dep_names.get(dep_id, "") if dep_id is not None else ""


def _when(value) -> str:
    return datetime(value) if value is not None else ""


# Departments and projects are kept on the organisation pages (not duplicated here): link when they exist.
links = [spec for spec in all_pages() if spec.file in ("pages/masterdata/departments.py",
                                                       "pages/masterdata/projects.py") and spec.visible_to(actor)]
if links:
    for col, spec in zip(st.columns(len(links) + 2)[:len(links)], links, strict=True):
        col.page_link(spec.file, label=tr(spec.title), icon=spec.icon)

# --- create ---------------------------------------------------------------------------------------------------
if actor.may("admin.user.create"):
    with st.expander(tr("admin_ui.users.create"), icon=":material/person_add:"):
        st.caption(md("ui.password_policy", min=settings().security.password_min_length))
        with st.form("au_create_form", clear_on_submit=False):
            c1, c2 = st.columns(2)
            new_username = c1.text_input(tr("field.username"), key="au_new_username")
            new_name = c2.text_input(tr("field.security.display_name"), key="au_new_name")
            new_password = c1.text_input(tr("admin_ui.users.initial_password"), type="password",
                                         key="au_new_password")
            new_email = c2.text_input(tr("field.security.email"), key="au_new_email")
            new_phone = c1.text_input(tr("field.security.phone"), key="au_new_phone")
            new_dep = c2.selectbox(tr("field.security.department"), [None, *dep_names], key="au_new_dep",
                                   format_func={None: tr("admin_ui.none"), **dep_names}.__getitem__)
            new_roles = st.multiselect(tr("field.security.roles"), list(role_names), key="au_new_roles",
                                       placeholder=tr("admin_ui.choose"),
                                       format_func=lambda i: role_names[i])
            new_must = st.checkbox(tr("admin_ui.users.must_change"), value=True, key="au_new_must")
            create = st.form_submit_button(tr("admin_ui.users.create_submit"), type="primary", key="au_create")
        if create:
            new_id = run_action(create_user, username=new_username, display_name=new_name, password=new_password,
                                email=new_email or None, phone=new_phone or None, department_id=new_dep,
                                role_ids=list(new_roles), must_change_password=new_must)
            if new_id is not None:
                for key in ("au_new_username", "au_new_name", "au_new_password", "au_new_email", "au_new_phone"):
                    st.session_state.pop(key, None)
                st.session_state["au_flash"] = tr("admin_ui.users.created", username=new_username.strip())
                st.session_state["au_pick"] = new_id
                st.rerun()

# --- list -----------------------------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
search = c1.text_input(tr("admin_ui.search"), key="au_search", placeholder=tr("admin_ui.users.search_hint"))
status = c2.selectbox(tr("admin_ui.users.status"), [None, *USER_STATUSES], key="au_status",
                      format_func={None: tr("admin_ui.all"), **{s: _status(s) for s in USER_STATUSES}}.__getitem__)
dep_filter = c3.selectbox(tr("field.security.department"), [None, *dep_names], key="au_dep",
                          format_func={None: tr("admin_ui.all"), **dep_names}.__getitem__)
role_filter = c4.selectbox(tr("admin_ui.users.role"), [None, *role_names], key="au_role",
                           format_func={None: tr("admin_ui.all"), **role_names}.__getitem__)

users = run_action(list_users, status=status, department_id=dep_filter, role_id=role_filter, search=search,
                   limit=5000)
if users is None:
    st.stop()

pages = max(1, -(-len(users) // PAGE_SIZE))
page = int(st.number_input(tr("admin_ui.page"), min_value=1, max_value=pages, value=1, step=1, key="au_page")) \
    if pages > 1 else 1
shown = users[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
st.caption(md("admin_ui.count", total=len(users), page=page, pages=pages))
st.dataframe([{
    tr("field.username"): u.username,
    tr("field.security.display_name"): u.display_name,
    tr("admin_ui.users.status"): _status(u.status),
    tr("field.security.department"): _dep(u.department_id),
    tr("field.security.roles"): ", ".join(u.role_codes),
    tr("field.security.email"): u.email or "",
    tr("admin_ui.users.last_login"): _when(u.last_login_at),
} for u in shown], hide_index=True, width="stretch")

if not users:
    st.info(tr("admin_ui.users.none"), icon=":material/info:")
    st.stop()

# --- detail ---------------------------------------------------------------------------------------------------
ids = [u.id for u in users]
if st.session_state.get("au_pick") not in ids:
    st.session_state["au_pick"] = ids[0]
labels = {u.id: f"{u.username} — {u.display_name}" for u in users}
picked = st.selectbox(tr("admin_ui.users.pick"), ids, key="au_pick", format_func=lambda i: labels[i])
user = run_action(get_user, user_id=picked)
if user is None:
    st.stop()

ver_key = f"au_ver_{user.id}"  # the version the edit form was loaded with


def acted(flash: str) -> None:
    """After any change this page made to the account (status, password, roles...), the account's version
    moved on because of us, not someone else: reload the edit form's version, say what was done, rerun."""
    st.session_state.pop(ver_key, None)
    st.session_state["au_flash"] = flash
    st.rerun()


st.subheader(md("admin_ui.users.detail", username=user.username))
m1, m2 = st.columns(2)
m1.metric(tr("admin_ui.users.status"), _status(user.status))
m2.metric(tr("admin_ui.users.failed_logins"), user.failed_logins)
st.caption(f"{tr('admin_ui.users.last_login')}: {md_escape(_when(user.last_login_at) or '—')} · "
           f"{tr('admin_ui.users.created_at')}: {md_escape(_when(user.created_at))} · "
           f"{tr('field.security.roles')}: {md_escape(', '.join(user.role_codes) or '—')} · "
           f"{tr('field.security.department')}: {md_escape(_dep(user.department_id) or '—')}")
if user.must_change_password:
    st.caption(tr("admin_ui.users.must_change_pending"))

# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("au_section", ("edit", "roles", "actions"), "admin_ui.users.tab_", tr("admin_ui.users.title"))

if chosen == "edit":
    # The version the form was loaded with: a save after someone else's save fails instead of overwriting.
    loaded_version = st.session_state.setdefault(ver_key, user.version)
    if loaded_version != user.version:
        st.warning(tr("admin_ui.stale"), icon=":material/sync_problem:")
        if st.button(tr("admin_ui.reload"), key="au_reload"):
            for key in (ver_key, f"au_e_name_{user.id}", f"au_e_email_{user.id}", f"au_e_phone_{user.id}",
                        f"au_e_dep_{user.id}"):
                st.session_state.pop(key, None)
            st.rerun()
    with st.form(f"au_edit_form_{user.id}"):
        e_name = st.text_input(tr("field.security.display_name"), value=user.display_name,
                               key=f"au_e_name_{user.id}")
        e_email = st.text_input(tr("field.security.email"), value=user.email or "", key=f"au_e_email_{user.id}")
        e_phone = st.text_input(tr("field.security.phone"), value=user.phone or "", key=f"au_e_phone_{user.id}")
        dep_options = [None, *dep_names]
        e_dep = st.selectbox(tr("field.security.department"), dep_options, key=f"au_e_dep_{user.id}",
                             index=dep_options.index(user.department_id) if user.department_id in dep_options
                             else 0,
                             format_func={None: tr("admin_ui.none"), **dep_names}.__getitem__)
        save = st.form_submit_button(tr("admin_ui.save"), type="primary", key="au_save",
                                     disabled=not actor.may("admin.user.edit"))
    if save:
        if done(update_user, user_id=user.id, version=loaded_version, display_name=e_name,
                email=e_email or None, phone=e_phone or None, department_id=e_dep):
            acted(tr("admin_ui.saved"))

if chosen == "roles":
    if not roles:
        st.info(tr("admin_ui.users.no_role_access"), icon=":material/info:")
    else:
        chosen = st.multiselect(tr("field.security.roles"), list(role_names), default=list(user.role_ids),
                                placeholder=tr("admin_ui.choose"),
                                key=f"au_roles_{user.id}", format_func=lambda i: role_names[i])
        if st.button(tr("admin_ui.users.roles_save"), key="au_roles_save", type="primary",
                     disabled=not actor.may("admin.user.assign_roles")):
            if done(set_user_roles, user_id=user.id, role_ids=list(chosen)):
                acted(tr("admin_ui.saved"))
    if project_names:
        st.divider()
        picked_projects = st.multiselect(tr("field.security.projects"), list(project_names),
                                         default=[p for p in user.project_ids if p in project_names],
                                         placeholder=tr("admin_ui.choose"), key=f"au_projects_{user.id}",
                                         format_func=lambda i: project_names[i],
                                         help=tr("admin_ui.users.projects_help"))
        if st.button(tr("admin_ui.users.projects_save"), key="au_projects_save",
                     disabled=not actor.may("admin.user.edit")):
            if done(set_user_projects, user_id=user.id, project_ids=list(picked_projects)):
                acted(tr("admin_ui.saved"))

if chosen == "actions":
    if user.status in ("active", "locked") and actor.may("admin.user.disable"):
        with st.container(border=True):
            st.markdown(f"**{tr('admin_ui.users.disable')}**")
            ok = st.checkbox(md("admin_ui.users.disable_confirm", username=user.username), key="au_disable_ok")
            if st.button(tr("admin_ui.users.disable"), key="au_disable", disabled=not ok, type="primary"):
                revoked = run_action(disable_user, user_id=user.id)
                if revoked is not None:
                    st.session_state.pop("au_disable_ok", None)
                    acted(tr("admin_ui.users.disabled", username=user.username, sessions=revoked))
    if user.status == "disabled" and actor.may("admin.user.enable"):
        with st.container(border=True):
            st.markdown(f"**{tr('admin_ui.users.enable')}**")
            ok = st.checkbox(md("admin_ui.users.enable_confirm", username=user.username), key="au_enable_ok")
            if st.button(tr("admin_ui.users.enable"), key="au_enable", disabled=not ok, type="primary"):
                if done(enable_user, user_id=user.id):
                    st.session_state.pop("au_enable_ok", None)
                    acted(tr("admin_ui.users.enabled", username=user.username))
    if actor.may("admin.user.reset_password"):
        with st.container(border=True):
            st.markdown(f"**{tr('admin_ui.users.reset_code')}**")
            st.caption(tr("admin_ui.users.reset_code_help"))
            if st.button(tr("admin_ui.users.reset_code_issue"), key="au_reset"):
                issued = run_action(issue_reset_code, user_id=user.id)
                if issued is not None:
                    st.success(tr("admin_ui.users.reset_code_issued", expires=datetime(issued.expires_at)),
                               icon=":material/key:")
                    st.code(issued.code, language=None)
                    if issued.emailed_to:
                        st.caption(md("admin_ui.users.reset_code_emailed", email=issued.emailed_to))
    if actor.may("admin.user.set_password"):
        with st.container(border=True):
            st.markdown(f"**{tr('admin_ui.users.set_password')}**")
            with st.form(f"au_setpw_form_{user.id}", clear_on_submit=True):
                pw = st.text_input(tr("admin_ui.users.initial_password"), type="password", key="au_setpw")
                set_pw = st.form_submit_button(tr("admin_ui.users.set_password"), key="au_setpw_submit")
            if set_pw:
                revoked = run_action(set_user_password, user_id=user.id, password=pw)
                if revoked is not None:  # the account changed (password, must-change flag): reload its version
                    acted(tr("admin_ui.users.password_set", sessions=revoked))
    if actor.may("admin.session.revoke"):
        with st.container(border=True):
            st.markdown(f"**{tr('admin_ui.users.signout_all')}**")
            ok = st.checkbox(md("admin_ui.users.signout_confirm", username=user.username), key="au_signout_ok")
            if st.button(tr("admin_ui.users.signout_all"), key="au_signout", disabled=not ok):
                n = run_action(sign_out_user_everywhere, user_id=user.id)
                if n is not None:
                    st.session_state.pop("au_signout_ok", None)
                    st.session_state["au_flash"] = tr("admin_ui.users.signed_out", username=user.username,
                                                      sessions=n)
                    st.rerun()
