"""Currencies (币种) and dated exchange rates (汇率) to the base currency."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.settings.company_queries import get_company_settings
from erp_core.settings.currency_queries import list_currencies, list_exchange_rates
from erp_core.settings.currency_services import (
    create_currency,
    delete_exchange_rate,
    edit_currency,
    set_exchange_rate,
)
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.sections import section
from ui.settings_kit import (
    confirmed_button,
    done,
    export_buttons,
    loaded_version,
    pager,
    show_flash,
    succeed,
    table,
)

F = "field.settings.currency."
R = "field.settings.rate."
PAGE_SIZE = 50
actor = require_actor()
st.title(tr("nav.settings.currencies"))
help_link("settings", "currency")  # "?" to this page's part of the help centre
show_flash()
zh = locale().startswith("zh")

currencies = run_action(list_currencies)
if currencies is None:
    st.stop()
base = (run_action(get_company_settings) or {}).get("base_currency", "CNY") \
    if actor.may("settings.company.view") else "CNY"
st.caption(md("settings.currency.base", code=base))

# A keyed section control, not st.tabs: saving a rate or a currency keeps the user on the same section.
chosen = section("cu_section", ("currencies", "rates"), "settings.currency.tab_",
                 tr("nav.settings.currencies"))

if chosen == "currencies":
    columns = [("code", F + "code"), ("name_zh", F + "name_zh"), ("name_en", F + "name_en"),
               ("decimals", F + "decimals"), ("active", "settings.active")]
    table(currencies, columns)
    export_buttons(currencies, columns, "currencies", "cu_export")
    if actor.may("settings.currency.create"):
        with st.expander(tr("settings.currency.add"), icon=":material/add:"):
            with st.form("cu_add", clear_on_submit=True):
                c1, c2, c3, c4 = st.columns(4)
                code = c1.text_input(tr(F + "code"), max_chars=3)
                name_zh = c2.text_input(tr(F + "name_zh"), max_chars=100)
                name_en = c3.text_input(tr(F + "name_en"), max_chars=100)
                decimals = c4.number_input(tr(F + "decimals"), min_value=0, max_value=4, value=2, step=1)
                add = st.form_submit_button(tr("settings.add"), type="primary")
            if add and done(create_currency, code=code, name_zh=name_zh, name_en=name_en, decimals=int(decimals)):
                succeed()
    if actor.may("settings.currency.edit") and currencies:
        st.subheader(tr("settings.edit"))
        labels = {c["id"]: f"{c['code']} {c['name_zh'] if zh else c['name_en']}" for c in currencies}
        picked = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="cu_pick")
        cur = next(c for c in currencies if c["id"] == picked)
        ver = loaded_version(f"cu_ver_{picked}", cur["version"])
        with st.form(f"cu_edit_{picked}"):
            c1, c2, c3 = st.columns(3)
            name_zh = c1.text_input(tr(F + "name_zh"), value=cur["name_zh"], max_chars=100)
            name_en = c2.text_input(tr(F + "name_en"), value=cur["name_en"], max_chars=100)
            decimals = c3.number_input(tr(F + "decimals"), min_value=0, max_value=4, value=cur["decimals"], step=1)
            active = st.checkbox(tr("settings.active"), value=cur["active"])
            save = st.form_submit_button(tr("settings.save"), type="primary")
        if save and done(edit_currency, currency_id=picked, version=ver, name_zh=name_zh, name_en=name_en,
                         decimals=int(decimals), active=active):
            succeed(forget=[f"cu_ver_{picked}"])

if chosen == "rates":
    foreign = [c["code"] for c in currencies if c["code"] != base]
    c1, c2, c3 = st.columns(3)
    code = c1.selectbox(tr(F + "code"), [None, *foreign], key="er_code",
                        format_func=lambda c: tr("settings.all") if c is None else c)
    date_from = c2.date_input(tr("settings.date_from"), value=None, key="er_from")
    date_to = c3.date_input(tr("settings.date_to"), value=None, key="er_to")
    page = st.session_state.get("er_page", 1)
    rates = run_action(list_exchange_rates, currency_code=code, date_from=date_from, date_to=date_to,
                       page=page, page_size=PAGE_SIZE)
    if rates is not None:
        pager(rates.total, PAGE_SIZE, "er_page")
        columns = [("currency_code", F + "code"), ("rate_date", R + "date"), ("rate", R + "rate")]
        table(rates.rows, columns)
        export_buttons(rates.rows, columns, "exchange_rates", "er_export")
    if actor.may("settings.currency.set_rate") and foreign:
        with st.expander(tr("settings.currency.set_rate"), icon=":material/currency_exchange:"):
            st.caption(md("settings.currency.rate_hint", base=base))
            with st.form("er_set"):
                c1, c2, c3 = st.columns(3)
                rcode = c1.selectbox(tr(F + "code"), foreign)
                rdate = c2.date_input(tr(R + "date"), value=dt.date.today())
                rate = c3.text_input(tr(R + "rate"))
                submit = st.form_submit_button(tr("settings.save"), type="primary")
            if submit and done(set_exchange_rate, currency_code=rcode, rate_date=rdate, rate=rate.strip()):
                succeed()
    if actor.may("settings.currency.delete_rate") and rates and rates.rows:
        with st.expander(tr("settings.currency.delete_rate"), icon=":material/delete:"):
            labels = {r["id"]: f"{r['currency_code']} {r['rate_date']} {r['rate']}" for r in rates.rows}
            rid = st.selectbox(tr("settings.pick"), list(labels), format_func=labels.get, key="er_pick")
            if confirmed_button("settings.delete", "settings.confirm_delete", "er_delete", item=labels[rid]) \
                    and done(delete_exchange_rate, rate_id=rid):
                succeed(forget=["er_delete_ok"])
