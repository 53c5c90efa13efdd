"""Departments (部门): a tree; list with search, filter, sort and paging; create, edit, deactivate."""

from __future__ import annotations

import streamlit as st

from erp_core.masterdata.org_queries import department_tree, list_departments
from erp_core.masterdata.org_services import (
    activate_department,
    create_department,
    deactivate_department,
    edit_department,
)
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import (
    active_toggle,
    done,
    export_buttons,
    loaded_version,
    pager,
    show_flash,
    succeed,
    table,
)

F = "field.settings.department."
PAGE_SIZE = 50
actor = require_actor()
st.title(tr("nav.settings.departments"))
show_flash()

tree = run_action(department_tree)
if tree is None:
    st.stop()
names = {d["id"]: f"{d['code']} {d['name']}" for d in tree}
active_ids = [d["id"] for d in tree if d["active"]]

# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("dp_section", ("tree", "list"), "settings.department.tab_", tr("nav.settings.departments"))
if chosen == "tree":
    if not tree:
        st.info(tr("settings.empty"), icon=":material/info:")
    lines = []
    for d in tree:
        mark = "" if d["active"] else f" · _{tr('settings.inactive')}_"
        lines.append("    " * d["depth"] + f"- **{md_escape(d['code'])}** {md_escape(d['name'])}{mark}")
    st.markdown("\n".join(lines))

if chosen == "list":
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
    search = c1.text_input(tr("settings.search"), key="dp_search")
    active = c2.selectbox(tr("settings.status"), [None, True, False], key="dp_active",
                          format_func=lambda a: tr("settings.all") if a is None else
                          tr("settings.active") if a else tr("settings.inactive"))
    sort = c3.selectbox(tr("settings.sort"), ["code", "name"], key="dp_sort", format_func=lambda s: tr(F + s))
    desc = c4.checkbox(tr("settings.descending"), key="dp_desc")
    result = run_action(list_departments, search=search, active=active, sort=sort, descending=desc,
                        page=st.session_state.get("dp_page", 1), page_size=PAGE_SIZE)
    if result is not None:
        pager(result.total, PAGE_SIZE, "dp_page")
        columns = [("code", F + "code"), ("name", F + "name"), ("parent_code", F + "parent"),
                   ("active", "settings.active")]
        table(result.rows, columns)
        export_buttons(result.rows, columns, "departments", "dp_export")

if actor.may("masterdata.department.create"):
    with st.expander(tr("settings.department.add"), icon=":material/add:"):
        # kept as typed when refused, cleared once added
        with st.form("dp_add", clear_on_submit=False):
            c1, c2, c3 = st.columns(3)
            code = c1.text_input(tr(F + "code"), max_chars=40, key="dp_new_code")
            name = c2.text_input(tr(F + "name"), max_chars=200, key="dp_new_name")
            parent = c3.selectbox(tr(F + "parent"), [None, *active_ids], key="dp_new_parent",
                                  format_func=lambda i: tr("settings.none") if i is None else names[i])
            add = st.form_submit_button(tr("settings.add"), type="primary", key="dp_add_submit")
        if add and done(create_department, code=code, name=name, parent_id=parent):
            succeed(forget=["dp_new_code", "dp_new_name", "dp_new_parent"])

if tree and (actor.may("masterdata.department.edit") or actor.may("masterdata.department.deactivate")):
    st.subheader(tr("settings.edit"))
    picked = st.selectbox(tr("settings.pick"), list(names), format_func=names.get, key="dp_pick")
    dep = next(d for d in tree if d["id"] == picked)
    ver = loaded_version(f"dp_ver_{picked}", dep["version"])
    if actor.may("masterdata.department.edit"):
        parents = [None, *[i for i in active_ids if i != picked]]
        with st.form(f"dp_edit_{picked}"):
            c1, c2, c3 = st.columns(3)
            code = c1.text_input(tr(F + "code"), value=dep["code"], max_chars=40)
            name = c2.text_input(tr(F + "name"), value=dep["name"], max_chars=200)
            parent = c3.selectbox(tr(F + "parent"), parents,
                                  index=parents.index(dep["parent_id"]) if dep["parent_id"] in parents else 0,
                                  format_func=lambda i: tr("settings.none") if i is None else names[i])
            save = st.form_submit_button(tr("settings.save"), type="primary")
        if save and done(edit_department, department_id=picked, version=ver, code=code, name=name,
                         parent_id=parent):
            succeed(forget=[f"dp_ver_{picked}"])
    active_toggle(actor, permission_prefix="masterdata.department", key="dp", label=names[picked],
                  active=dep["active"], version=ver, version_key=f"dp_ver_{picked}",
                  deactivate=deactivate_department, activate=activate_department, department_id=picked)
