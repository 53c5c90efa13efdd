"""Company settings (公司设置): legal name, credit code, address, base currency, time zone, fiscal year,
accounting standard, formats, language; and the company's bank accounts."""

from __future__ import annotations

import streamlit as st

from erp_core.i18n import LANGUAGE_NAMES, LOCALES
from erp_core.masterdata.models import ACCOUNTING_STANDARDS, DATE_FORMATS, NUMBER_FORMATS
from erp_core.settings.company_queries import get_company_settings
from erp_core.settings.company_services import (
    add_bank_account,
    edit_bank_account,
    known_time_zones,
    update_company_settings,
)
from erp_core.settings.currency_queries import list_currencies
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.sections import section
from ui.settings_kit import done, export_buttons, loaded_version, show_flash, succeed, table

F = "field.settings.company."
B = "field.settings.bank."
actor = require_actor()
st.title(tr("nav.settings.company"))
help_link("settings", "company")  # "?" to this page's part of the help centre
show_flash()

data = run_action(get_company_settings)
if data is None:
    st.stop()
can_edit = actor.may("settings.company.edit")
zh = locale().startswith("zh")

currencies = [c["code"] for c in (run_action(list_currencies, include_inactive=False) or [])] \
    if actor.may("settings.currency.view") else [data["base_currency"]]
if data["base_currency"] not in currencies:
    currencies.insert(0, data["base_currency"])
zones = sorted(z for z in known_time_zones() if "/" in z)
if data["time_zone"] not in zones:
    zones.insert(0, data["time_zone"])

# A keyed section control, not st.tabs: the chosen section survives a rerun (a save, a flash message).
chosen = section("sc_section", ("general", "bank"), "settings.company.tab_", tr("nav.settings.company"))

if chosen == "general":
    version = loaded_version("sc_version", data["version"])
    if data["standard_locked"]:
        st.info(tr("settings.company.standard_locked"), icon=":material/lock:")
    with st.form("sc_form"):
        c1, c2 = st.columns(2)
        name = c1.text_input(tr(F + "name"), value=data["name"], max_chars=200, key="sc_name")
        tax_id = c2.text_input(tr(F + "tax_id"), value=data["tax_id"], max_chars=18, key="sc_tax_id")
        address = c1.text_input(tr(F + "address"), value=data["address"] or "", max_chars=300, key="sc_address")
        phone = c2.text_input(tr(F + "phone"), value=data["phone"] or "", max_chars=40, key="sc_phone")
        base_currency = c1.selectbox(tr(F + "base_currency"), currencies,
                                     index=currencies.index(data["base_currency"]),
                                     disabled=data["standard_locked"])
        time_zone = c2.selectbox(tr(F + "time_zone"), zones, index=zones.index(data["time_zone"]))
        months = list(range(1, 13))
        fy_month = c1.selectbox(tr(F + "fiscal_year_start_month"), months,
                                index=data["fiscal_year_start_month"] - 1,
                                format_func=lambda m: tr("settings.month_name", month=m))
        standard = c2.selectbox(tr(F + "accounting_standard"), ACCOUNTING_STANDARDS,
                                index=ACCOUNTING_STANDARDS.index(data["accounting_standard"]),
                                format_func=lambda s: tr(f"settings.standard.{s}"),
                                disabled=data["standard_locked"])
        date_format = c1.selectbox(tr(F + "date_format"), DATE_FORMATS,
                                   index=DATE_FORMATS.index(data["date_format"]))
        number_format = c2.selectbox(tr(F + "number_format"), NUMBER_FORMATS,
                                     index=NUMBER_FORMATS.index(data["number_format"]))
        language = c1.selectbox(tr(F + "default_locale"), LOCALES, index=LOCALES.index(data["default_locale"]),
                                format_func=lambda code: LANGUAGE_NAMES[code])
        save = st.form_submit_button(tr("settings.save"), type="primary", disabled=not can_edit, key="sc_submit")
    if save and done(update_company_settings, version=version, name=name, tax_id=tax_id, address=address or None,
                     phone=phone or None, base_currency=base_currency, time_zone=time_zone,
                     fiscal_year_start_month=fy_month, accounting_standard=standard, date_format=date_format,
                     number_format=number_format, default_locale=language):
        succeed(forget=["sc_version", "sc_name", "sc_tax_id", "sc_address", "sc_phone"])

if chosen == "bank":
    columns = [("bank_name", B + "bank_name"), ("account_number", B + "account_number"),
               ("account_name", B + "account_name"), ("is_default", B + "is_default"),
               ("account_code", B + "account_code"), ("active", "settings.active")]
    accounts = data["bank_accounts"]
    table(accounts, columns)
    if accounts:
        export_buttons(accounts, columns, "bank_accounts", "sc_bank_export")
    if can_edit:
        with st.expander(tr("settings.company.bank_add"), icon=":material/add:"):
            with st.form("sc_bank_add", clear_on_submit=True):
                c1, c2 = st.columns(2)
                bank_name = c1.text_input(tr(B + "bank_name"), max_chars=200)
                number = c2.text_input(tr(B + "account_number"), max_chars=40)
                holder = c1.text_input(tr(B + "account_name"), value=data["name"], max_chars=200)
                code = c2.text_input(tr(B + "account_code"), max_chars=40)
                default = st.checkbox(tr(B + "is_default"), value=not accounts)
                add = st.form_submit_button(tr("settings.add"), type="primary")
            if add and done(add_bank_account, bank_name=bank_name, account_number=number, account_name=holder,
                            is_default=default, account_code=code or None):
                succeed()
        if accounts:
            labels = {a["id"]: f"{a['bank_name']} {a['account_number']}" for a in accounts}
            picked = st.selectbox(tr("settings.company.bank_pick"), list(labels), format_func=labels.get,
                                  key="sc_bank_pick")
            acc = next(a for a in accounts if a["id"] == picked)
            ver = loaded_version(f"sc_bank_ver_{picked}", acc["version"])
            with st.form(f"sc_bank_edit_{picked}"):
                c1, c2 = st.columns(2)
                bank_name = c1.text_input(tr(B + "bank_name"), value=acc["bank_name"], max_chars=200)
                number = c2.text_input(tr(B + "account_number"), value=acc["account_number"], max_chars=40)
                holder = c1.text_input(tr(B + "account_name"), value=acc["account_name"], max_chars=200)
                code = c2.text_input(tr(B + "account_code"), value=acc["account_code"] or "", max_chars=40)
                default = st.checkbox(tr(B + "is_default"), value=acc["is_default"])
                active = st.checkbox(tr("settings.active"), value=acc["active"])
                save_bank = st.form_submit_button(tr("settings.save"), type="primary")
            if save_bank and done(edit_bank_account, bank_account_id=picked, version=ver, bank_name=bank_name,
                                  account_number=number, account_name=holder, is_default=default,
                                  account_code=code or None, active=active):
                succeed(forget=[f"sc_bank_ver_{picked}"])
