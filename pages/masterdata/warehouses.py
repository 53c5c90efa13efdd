"""Warehouses (仓库) and their storage locations (库位): list, create, edit, deactivate."""

from __future__ import annotations

import streamlit as st

from erp_core.masterdata.warehouse_queries import keeper_choices, list_locations, list_warehouses
from erp_core.masterdata.warehouse_services import (
    activate_warehouse,
    create_location,
    create_warehouse,
    deactivate_warehouse,
    edit_location,
    edit_warehouse,
)
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
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

F = "field.settings.warehouse."
L = "field.settings.location."
PAGE_SIZE = 50
actor = require_actor()
st.title(tr("nav.settings.warehouses"))
show_flash()

c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
search = c1.text_input(tr("settings.search"), key="wh_search")
active = c2.selectbox(tr("settings.status"), [None, True, False], key="wh_active",
                      format_func=lambda a: tr("settings.all") if a is None else
                      tr("settings.active") if a else tr("settings.inactive"))
sort = c3.selectbox(tr("settings.sort"), ["code", "name", "keeper"], key="wh_sort", format_func=lambda s: tr(F + s))
desc = c4.checkbox(tr("settings.descending"), key="wh_desc")
result = run_action(list_warehouses, search=search, active=active, sort=sort, descending=desc,
                    page=st.session_state.get("wh_page", 1), page_size=PAGE_SIZE)
if result is None:
    st.stop()
pager(result.total, PAGE_SIZE, "wh_page")
columns = [("code", F + "code"), ("name", F + "name"), ("address", F + "address"), ("keeper", F + "keeper"),
           ("locations", "settings.warehouse.locations"), ("active", "settings.active")]
table(result.rows, columns)
export_buttons(result.rows, columns, "warehouses", "wh_export")


NEW_KEYS = {f: f"wh_add_{f}" for f in ("code", "name", "address", "keeper")}
keepers = {e["name"]: f"{e['code']} {e['name']}" for e in run_action(keeper_choices) or []}


def _keeper(label: str, current: str | None, key: str | None) -> str | None:
    """仓管员: a searchable pick of the company's employees (code + name); the warehouse keeps the person's name,
    and a name typed that is not an employee's (someone from outside, an old entry) is still accepted."""
    opts = ["", *keepers]
    if current and current not in keepers:
        opts.append(current)
    return st.selectbox(label, opts, index=opts.index(current) if current else None, key=key,
                        format_func=lambda v: keepers.get(v, v) if v else "—", accept_new_options=True,
                        placeholder=tr("settings.warehouse.keeper_placeholder")) or None


def _form(key: str, row: dict | None):
    """The add form (row None) keeps what was typed when refused and is cleared once added (NEW_KEYS forgotten);
    an edit form shows the record."""
    row = row or {}
    k = (lambda f: None) if row else NEW_KEYS.get
    with st.form(key, clear_on_submit=False):
        c1, c2 = st.columns(2)
        code = c1.text_input(tr(F + "code"), value=row.get("code", ""), max_chars=40, key=k("code"))
        name = c2.text_input(tr(F + "name"), value=row.get("name", ""), max_chars=200, key=k("name"))
        address = c1.text_input(tr(F + "address"), value=row.get("address") or "", max_chars=300, key=k("address"))
        with c2:
            keeper = _keeper(tr(F + "keeper"), row.get("keeper"), k("keeper"))
        submitted = st.form_submit_button(tr("settings.save" if row else "settings.add"), type="primary")
    return submitted, dict(code=code, name=name, address=address or None, keeper=keeper or None)


if actor.may("masterdata.warehouse.create"):
    with st.expander(tr("settings.warehouse.add"), icon=":material/add:"):
        submitted, values = _form("wh_add", None)
        if submitted and done(create_warehouse, **values):
            succeed(forget=NEW_KEYS.values())

if not result.rows:
    st.stop()
st.subheader(tr("settings.warehouse.detail"))
labels = {r["id"]: f"{r['code']} {r['name']}" for r in result.rows}
picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="wh_pick")
row = next(r for r in result.rows if r["id"] == picked)
# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("wh_section", ("edit", "locations"), "j_tabs.warehouse.", tr("nav.settings.warehouses"))

if chosen == "edit":
    ver = loaded_version(f"wh_ver_{picked}", row["version"])
    if actor.may("masterdata.warehouse.edit"):
        submitted, values = _form(f"wh_edit_{picked}", row)
        if submitted and done(edit_warehouse, warehouse_id=picked, version=ver, **values):
            succeed(forget=[f"wh_ver_{picked}"])
    active_toggle(actor, permission_prefix="masterdata.warehouse", key="wh", label=labels[picked],
                  active=row["active"], version=ver, version_key=f"wh_ver_{picked}",
                  deactivate=deactivate_warehouse, activate=activate_warehouse, warehouse_id=picked)

if chosen == "locations":
    locations = run_action(list_locations, warehouse_id=picked) or []
    loc_columns = [("code", L + "code"), ("name", L + "name"), ("active", "settings.active")]
    table(locations, loc_columns)
    if locations:
        export_buttons(locations, loc_columns, f"locations_{row['code']}", "wl_export")
    if actor.may("masterdata.warehouse.edit_location"):
        with st.form(f"wl_add_{picked}", clear_on_submit=False):  # kept when refused, cleared once added
            c1, c2 = st.columns(2)
            code = c1.text_input(tr(L + "code"), max_chars=40, key="wl_new_code")
            name = c2.text_input(tr(L + "name"), max_chars=200, key="wl_new_name")
            add = st.form_submit_button(tr("settings.warehouse.add_location"), type="primary", key="wl_add_submit")
        if add and done(create_location, warehouse_id=picked, code=code, name=name):
            succeed(forget=["wl_new_code", "wl_new_name"])
        if locations:
            loc_labels = {x["id"]: f"{x['code']} {x['name']}" for x in locations}
            lid = st.selectbox(tr("settings.pick"), list(loc_labels), format_func=loc_labels.get, key="wl_pick")
            loc = next(x for x in locations if x["id"] == lid)
            lver = loaded_version(f"wl_ver_{lid}", loc["version"])
            with st.form(f"wl_edit_{lid}"):
                c1, c2 = st.columns(2)
                code = c1.text_input(tr(L + "code"), value=loc["code"], max_chars=40)
                name = c2.text_input(tr(L + "name"), value=loc["name"], max_chars=200)
                loc_active = st.checkbox(tr("settings.active"), value=loc["active"])
                save = st.form_submit_button(tr("settings.save"), type="primary")
            if save and done(edit_location, location_id=lid, version=lver, code=code, name=name, active=loc_active):
                succeed(forget=[f"wl_ver_{lid}"])
