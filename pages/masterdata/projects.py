"""Projects (项目): list with search, department and status filters, sort and paging; create, edit, deactivate."""

from __future__ import annotations

import streamlit as st

from erp_core.masterdata.org_queries import department_tree, list_projects
from erp_core.masterdata.org_services import (
    activate_project,
    create_project,
    deactivate_project,
    edit_project,
)
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
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

F = "field.settings.project."
PAGE_SIZE = 50
actor = require_actor()
st.title(tr("nav.settings.projects"))
show_flash()

deps = (run_action(department_tree, include_inactive=False) or []) if actor.may("masterdata.department.view") else []
dep_names = {d["id"]: f"{d['code']} {d['name']}" for d in deps}


def _dep(i):
    return tr("settings.none") if i is None else dep_names.get(i, str(i))


c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 1])
search = c1.text_input(tr("settings.search"), key="pj_search")
dep_filter = c2.selectbox(tr(F + "department"), [None, *dep_names], key="pj_dep",
                          format_func=lambda i: tr("settings.all") if i is None else dep_names[i])
active = c3.selectbox(tr("settings.status"), [None, True, False], key="pj_active",
                      format_func=lambda a: tr("settings.all") if a is None else
                      tr("settings.active") if a else tr("settings.inactive"))
sort = c4.selectbox(tr("settings.sort"), ["code", "name", "start_date", "end_date"], key="pj_sort",
                    format_func=lambda s: tr(F + s))
desc = c5.checkbox(tr("settings.descending"), key="pj_desc")
result = run_action(list_projects, search=search, department_id=dep_filter, active=active, sort=sort,
                    descending=desc, page=st.session_state.get("pj_page", 1), page_size=PAGE_SIZE)
if result is None:
    st.stop()
pager(result.total, PAGE_SIZE, "pj_page")
columns = [("code", F + "code"), ("name", F + "name"), ("department_name", F + "department"),
           ("start_date", F + "start_date"), ("end_date", F + "end_date"), ("active", "settings.active")]
table(result.rows, columns)
export_buttons(result.rows, columns, "projects", "pj_export")


NEW_KEYS = {f: f"pj_add_{f}" for f in ("code", "name", "department", "start", "end")}


def _form(key: str, row: dict | None):
    """The add form (row None) keeps what was typed when refused and is cleared once added (NEW_KEYS forgotten);
    an edit form shows the record."""
    row = row or {}
    k = (lambda f: None) if row else NEW_KEYS.get
    options = [None, *dep_names]
    with st.form(key, clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        code = c1.text_input(tr(F + "code"), value=row.get("code", ""), max_chars=40, key=k("code"))
        name = c2.text_input(tr(F + "name"), value=row.get("name", ""), max_chars=200, key=k("name"))
        dep = c3.selectbox(tr(F + "department"), options, format_func=_dep, key=k("department"),
                           index=options.index(row.get("department_id")) if row.get("department_id") in options
                           else 0)
        start = c1.date_input(tr(F + "start_date"), value=row.get("start_date"), key=k("start"))
        end = c2.date_input(tr(F + "end_date"), value=row.get("end_date"), key=k("end"))
        submitted = st.form_submit_button(tr("settings.save" if row else "settings.add"), type="primary")
    return submitted, dict(code=code, name=name, department_id=dep, start_date=start, end_date=end)


if actor.may("masterdata.project.create"):
    with st.expander(tr("settings.project.add"), icon=":material/add:"):
        submitted, values = _form("pj_add", None)
        if submitted and done(create_project, **values):
            succeed(forget=NEW_KEYS.values())

if result.rows and (actor.may("masterdata.project.edit") or actor.may("masterdata.project.deactivate")):
    st.subheader(tr("settings.edit"))
    labels = {r["id"]: f"{r['code']} {r['name']}" for r in result.rows}
    picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="pj_pick")
    row = next(r for r in result.rows if r["id"] == picked)
    ver = loaded_version(f"pj_ver_{picked}", row["version"])
    if actor.may("masterdata.project.edit"):
        submitted, values = _form(f"pj_edit_{picked}", row)
        if submitted and done(edit_project, project_id=picked, version=ver, **values):
            succeed(forget=[f"pj_ver_{picked}"])
    active_toggle(actor, permission_prefix="masterdata.project", key="pj", label=labels[picked],
                  active=row["active"], version=ver, version_key=f"pj_ver_{picked}",
                  deactivate=deactivate_project, activate=activate_project, project_id=picked)
