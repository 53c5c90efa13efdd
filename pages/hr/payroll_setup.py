"""薪资设置: payroll items and 五险一金 rate rows (per city and period, editable), the seeded defaults, salary
structure amounts and one month's inputs per employee."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.hr.employees import queries as eq
from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.hr.payroll.insurance import RISKS, ROUNDING
from erp_core.hr.payroll.models import ITEM_KINDS
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.report_kit import period_select, this_period
from ui.sections import section
from ui.settings_kit import export_buttons, table

actor = require_actor()
st.title(tr("nav.hr.payroll_setup"))
setup = run_action(pq.payroll_setup)
if setup is None:
    st.stop()
chosen = section("ps_section", ["rates", "items", "pay"], "hr.section.", tr("nav.hr.payroll_setup"))
name_key = "name_zh" if locale().startswith("zh") else "name_en"

if chosen == "rates":
    rates = setup["rates"]
    cols = [("city", "field.hr.city"), ("effective_from", "field.hr.effective_from"), ("risk", "field.hr.risk"),
            ("base_min", "field.hr.base_min"), ("base_max", "field.hr.base_max"),
            ("employer_rate", "field.hr.employer_rate"), ("employee_rate", "field.hr.employee_rate"),
            ("employer_fixed", "field.hr.employer_fixed"), ("employee_fixed", "field.hr.employee_fixed"),
            ("rounding", "field.hr.rounding")]
    cities = sorted({r["city"] for r in rates})
    city = st.selectbox(tr("field.hr.city"), [None, *cities], key="ps_city",
                        format_func=lambda c: tr("hr.all") if c is None else c)
    shown = [r for r in rates if city is None or r["city"] == city]
    table(shown, cols, formatters={"risk": lambda r: tr(f"hr.risk.{r}")})
    if shown:
        export_buttons(shown, cols, "insurance-rates", "ps_rates_export")
    if actor.may("hr.setup.manage"):
        if st.button(tr("hr.load_defaults"), key="ps_defaults"):
            if run_action(pay.load_payroll_defaults, success="hr.saved"):
                st.rerun()
        with st.form("ps_rate"):
            a, b, c = st.columns(3)
            values = {"city": a.text_input(tr("field.hr.city")),
                      "effective_from": b.date_input(tr("field.hr.effective_from"), value=dt.date.today()),
                      "risk": c.selectbox(tr("field.hr.risk"), RISKS, format_func=lambda r: tr(f"hr.risk.{r}")),
                      "base_min": a.text_input(tr("field.hr.base_min")),
                      "base_max": b.text_input(tr("field.hr.base_max")),
                      "rounding": c.selectbox(tr("field.hr.rounding"), list(ROUNDING),
                                              format_func=lambda r: tr(f"hr.rounding.{r}")),
                      "employer_rate": a.text_input(tr("field.hr.employer_rate"), placeholder="0.16"),
                      "employee_rate": b.text_input(tr("field.hr.employee_rate"), placeholder="0.08"),
                      "employer_fixed": a.text_input(tr("field.hr.employer_fixed"), value="0"),
                      "employee_fixed": b.text_input(tr("field.hr.employee_fixed"), value="0")}
            if st.form_submit_button(tr("hr.save"), type="primary"):
                run_action(pay.save_insurance_rate, **values, success="hr.saved")
elif chosen == "items":
    cols = [("code", "field.hr.item_code"), (name_key, "field.hr.item_name"), ("kind", "field.hr.item_kind"),
            ("active", "hr.col.active"), ("formula", "field.hr4.formula")]
    table(setup["items"], cols, formatters={"kind": lambda k: tr(f"hr.kind.{k}")})
    if actor.may("hr.setup.manage"):
        with st.form("ps_item"):
            a, b = st.columns(2)
            code = a.text_input(tr("field.hr.item_code"))
            kind = b.selectbox(tr("field.hr.item_kind"), ITEM_KINDS, format_func=lambda k: tr(f"hr.kind.{k}"))
            zh = a.text_input(tr("hr.name_zh"))
            en = b.text_input(tr("hr.name_en"))
            formula = st.text_input(tr("field.hr4.formula"), placeholder="base_salary * 0.2",
                                    help=tr("hr4.formula_help"))
            if st.form_submit_button(tr("hr.save"), type="primary"):
                run_action(pay.save_payroll_item, code=code, name_zh=zh, name_en=en, kind=kind, formula=formula,
                           success="hr.saved")
else:
    if not actor.may("hr.salary.edit"):
        st.info(tr("hr.no_permission_pay"))
        st.stop()
    emps = run_action(eq.list_profiles, active=True) or []
    if not emps:
        st.info(tr("hr.no_employees"))
        st.stop()
    by_id = {e["employee_id"]: e for e in emps}
    items = {i["code"]: i[name_key] for i in setup["items"] if i["active"]}
    with st.form("ps_pay"):
        emp = st.selectbox(tr("field.hr.employee"), list(by_id),
                           format_func=lambda i: f'{by_id[i]["code"]} {by_id[i]["name"]}')
        item = st.selectbox(tr("field.hr.item_code"), list(items), format_func=lambda c: f"{c} {items[c]}")
        amount = st.text_input(tr("field.hr.amount"))
        kind = st.radio(tr("hr.pay_kind"), ["structure", "input"], horizontal=True,
                        format_func=lambda k: tr(f"hr.pay_kind.{k}"))
        day = st.date_input(tr("field.hr.effective_from"), value=dt.date.today().replace(day=1))
        period = period_select("field.hr.period", "ps_period", default=this_period())
        if st.form_submit_button(tr("hr.save"), type="primary"):
            if kind == "structure":
                run_action(pay.set_salary, employee_id=emp, item_code=item, effective_from=day, amount=amount,
                           success="hr.saved")
            else:
                run_action(pay.set_payroll_input, employee_id=emp, period=period, item_code=item,
                           amount=amount or None, success="hr.saved")
