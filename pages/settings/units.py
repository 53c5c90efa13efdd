"""Units of measure (计量单位) and conversions (1 箱 = 12 个; inverses and chains are derived)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import streamlit as st

from erp_core.kernel.errors import NotFound
from erp_core.settings.unit_queries import convert, list_conversions, list_units
from erp_core.settings.unit_services import add_conversion, create_unit, edit_unit, remove_conversion
from ui.actions import run_action
from ui.context import database, locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import confirmed_button, done, export_buttons, loaded_version, show_flash, succeed, table

F = "field.settings.unit."
actor = require_actor()
st.title(tr("nav.settings.units"))
help_link("settings", "units")  # "?" to this page's part of the help centre
show_flash()
zh = locale().startswith("zh")

search = st.text_input(tr("settings.search"), key="un_search")
units = run_action(list_units, search=search)
all_units = run_action(list_units) or []
if units is None:
    st.stop()
labels = {u["id"]: f"{u['name_zh'] if zh else u['name_en']} ({u['code']})" for u in all_units}
active_ids = [u["id"] for u in all_units if u["active"]]

# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("un_section", ("units", "conversions"), "settings.unit.tab_", tr("nav.settings.units"))

if chosen == "units":
    columns = [("code", F + "code"), ("name_zh", F + "name_zh"), ("name_en", F + "name_en"),
               ("active", "settings.active")]
    table(units, columns)
    export_buttons(units, columns, "units", "un_export")
    if actor.may("settings.unit.create"):
        with st.expander(tr("settings.unit.add"), icon=":material/add:"):
            with st.form("un_add", clear_on_submit=True):
                c1, c2, c3 = st.columns(3)
                code = c1.text_input(tr(F + "code"), max_chars=20)
                name_zh = c2.text_input(tr(F + "name_zh"), max_chars=50)
                name_en = c3.text_input(tr(F + "name_en"), max_chars=50)
                add = st.form_submit_button(tr("settings.add"), type="primary")
            if add and done(create_unit, code=code, name_zh=name_zh, name_en=name_en):
                succeed()
    if actor.may("settings.unit.edit") and units:
        st.subheader(tr("settings.edit"))
        picked = st.selectbox(tr("settings.pick"), [u["id"] for u in units], format_func=labels.get, key="un_pick")
        unit = next(u for u in units if u["id"] == picked)
        ver = loaded_version(f"un_ver_{picked}", unit["version"])
        with st.form(f"un_edit_{picked}"):
            c1, c2 = st.columns(2)
            name_zh = c1.text_input(tr(F + "name_zh"), value=unit["name_zh"], max_chars=50)
            name_en = c2.text_input(tr(F + "name_en"), value=unit["name_en"], max_chars=50)
            active = st.checkbox(tr("settings.active"), value=unit["active"])
            save = st.form_submit_button(tr("settings.save"), type="primary")
        if save and done(edit_unit, unit_id=picked, version=ver, name_zh=name_zh, name_en=name_en, active=active):
            succeed(forget=[f"un_ver_{picked}"])

if chosen == "conversions":
    conversions = run_action(list_conversions) or []
    rows = [c | {"rule": f"1 {c['from_code']} = {format(c['factor'].normalize(), 'f')} {c['to_code']}"}
            for c in conversions]
    columns = [("from_code", F + "from_unit"), ("factor", F + "factor"), ("to_code", F + "to_unit"),
               ("rule", "settings.unit.rule")]
    table(rows, columns)
    export_buttons(rows, columns, "unit_conversions", "uc_export")
    if actor.may("settings.unit.add_conversion") and len(active_ids) > 1:
        with st.expander(tr("settings.unit.add_conversion"), icon=":material/add:"):
            st.caption(tr("settings.unit.conversion_hint"))
            with st.form("uc_add", clear_on_submit=True):
                c1, c2, c3 = st.columns(3)
                from_id = c1.selectbox(tr(F + "from_unit"), active_ids, format_func=labels.get)
                factor = c2.text_input(tr(F + "factor"))
                to_id = c3.selectbox(tr(F + "to_unit"), active_ids, format_func=labels.get, index=1)
                add = st.form_submit_button(tr("settings.add"), type="primary")
            if add and done(add_conversion, from_unit_id=from_id, to_unit_id=to_id, factor=factor.strip()):
                succeed()
    if actor.may("settings.unit.remove_conversion") and rows:
        with st.expander(tr("settings.unit.remove_conversion"), icon=":material/delete:"):
            rule = {r["id"]: r["rule"] for r in rows}
            cid = st.selectbox(tr("settings.pick"), list(rule), format_func=rule.get, key="uc_pick")
            if confirmed_button("settings.delete", "settings.confirm_delete", "uc_delete", item=rule[cid]) \
                    and done(remove_conversion, conversion_id=cid):
                succeed(forget=["uc_delete_ok"])
    if len(all_units) > 1:
        st.subheader(tr("settings.unit.calculator"))
        c1, c2, c3 = st.columns(3)
        qty_text = c1.text_input(tr("settings.unit.quantity"), value="1", key="uc_qty")
        a = c2.selectbox(tr(F + "from_unit"), list(labels), format_func=labels.get, key="uc_a")
        b = c3.selectbox(tr(F + "to_unit"), list(labels), format_func=labels.get, key="uc_b", index=1)
        try:
            qty = Decimal(qty_text.strip())
        except InvalidOperation:
            st.error(tr("error.settings.number", field=tr("settings.unit.quantity")))
        else:
            try:  # unrelated units are an answer here, not a failure
                out = convert(database(), actor, quantity=qty, from_unit_id=a, to_unit_id=b)
            except NotFound:
                st.info(tr("error.settings.unit.unrelated"), icon=":material/info:")
            else:
                st.markdown(f"**{md_escape(qty_text)} {md_escape(labels[a])} = {md_escape(format(out.normalize(), 'f'))} "
                            f"{md_escape(labels[b])}**")
