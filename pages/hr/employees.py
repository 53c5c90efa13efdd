"""员工档案: employees with their HR details (ID numbers and bank accounts masked without the permission to see
them), filters (text, active, contracts ending within 30 days), export; one employee's file with its dated
history; edit the details, record a status change (离职 asks for confirmation), set a salary item."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.hr.employees import queries as eq
from erp_core.hr.employees import services as es
from erp_core.hr.employees.models import BONUS_METHODS, CONTRACT_TYPES, EXPENSE_KINDS, STATUS_KINDS
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import export_buttons, table

actor = require_actor()
st.title(tr("nav.hr.employees"))
help_link("hr", "employees")  # "?" to this page's part of the help centre
COLUMNS = [("code", "hr.col.employee_code"), ("name", "hr.col.employee_name"), ("department", "hr.col.department"),
           ("position", "field.hr.position"), ("hire_date", "hr.col.hire_date"), ("id_number", "field.hr.id_number"),
           ("bank_account", "field.hr.bank_account"), ("contract_end", "field.hr.contract_end"),
           ("contract_alert", "hr.col.contract_alert"), ("insurance_city", "field.hr.insurance_city"),
           ("active", "hr.col.active")]

c1, c2, c3 = st.columns([3, 2, 2])
search = c1.text_input(tr("hr.search"), key="he_search")
active = c2.selectbox(tr("hr.col.active"), [True, False, None], key="he_active",
                      format_func=lambda a: tr("hr.all") if a is None else tr("settings.yes" if a else "settings.no"))
alerts = c3.checkbox(tr("hr.contract_alerts_only"), key="he_alerts")
rows = run_action(eq.list_profiles, search=search or None, active=active, contract_alerts_only=alerts)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("hr.no_employees"))
    st.stop()
table(rows, COLUMNS)
export_buttons(rows, COLUMNS, "employees", "he_export")

by_id = {r["employee_id"]: r for r in rows}
emp_id = st.selectbox(tr("field.hr.employee"), list(by_id), key="he_pick",
                      format_func=lambda i: f'{by_id[i]["code"]} {by_id[i]["name"]}')
file = run_action(eq.employee_file, employee_id=emp_id)
if file is None:
    st.stop()
codes = ["file", "edit", "status"] if actor.may("hr.profile.edit") else ["file"]
chosen = section("he_section", codes, "hr.section.", tr("nav.hr.employees"))

if chosen == "file":
    as_of = st.date_input(tr("hr4.as_of"), value=None, key="he_as_of")
    if as_of is not None:
        then = run_action(eq.employee_file, employee_id=emp_id, as_of=as_of)
        if then is not None:
            st.write(tr("hr4.as_of_line", date=md_escape(as_of.isoformat()), status=tr(f'hr4.status.{then["status_as_of"]}'),
                        department=md_escape(then.get("department_as_of") or "—"),
                        position=md_escape(then.get("position_as_of") or "—")))
    table(file["history"], [("effective_date", "field.hr.effective_date"), ("kind", "field.hr.status_kind"),
                            ("position", "field.hr.position"), ("remarks", "field.hr.remarks")],
          formatters={"kind": lambda k: tr(f"hr.status_kind.{k}")})
elif chosen == "edit":
    with st.form("he_edit"):
        a, b = st.columns(2)
        values = {
            "id_number": a.text_input(tr("field.hr.id_number"), value=""),
            "education": b.text_input(tr("field.hr.education"), value=file.get("education") or ""),
            "bank_name": a.text_input(tr("field.hr.bank_name"), value=file.get("bank_name") or ""),
            "bank_account": b.text_input(tr("field.hr.bank_account"), value=""),
            "contract_type": a.selectbox(tr("field.hr.contract_type"), [None, *CONTRACT_TYPES],
                                         format_func=lambda c: "" if c is None else tr(f"hr.contract.{c}")),
            "contract_start": b.date_input(tr("field.hr.contract_start"), value=file.get("contract_start")),
            "contract_end": a.date_input(tr("field.hr.contract_end"), value=file.get("contract_end")),
            "probation_end": b.date_input(tr("field.hr.probation_end"), value=file.get("probation_end")),
            "insurance_city": a.text_input(tr("field.hr.insurance_city"), value=file.get("insurance_city") or ""),
            "insurance_base": b.text_input(tr("field.hr.insurance_base"), value=""),
            "bonus_method": a.selectbox(tr("field.hr.bonus_method"), BONUS_METHODS,
                                        format_func=lambda m: tr(f"hr.bonus.{m}")),
            "expense_kind": b.selectbox(tr("field.hr.expense_kind"), EXPENSE_KINDS,
                                        format_func=lambda k: tr(f"hr.expense.{k}")),
            "small_earner": a.checkbox(tr("field.hr.small_earner"), value=bool(file.get("small_earner"))),
        }
        st.caption(tr("hr.blank_keeps"))
        if st.form_submit_button(tr("hr.save"), type="primary"):
            kept = {k: v for k, v in values.items() if v not in ("", None) or k in ("small_earner",)}
            run_action(es.save_profile, employee_id=emp_id, values=kept, success="hr.saved")
else:
    with st.form("he_status"):
        kind = st.selectbox(tr("field.hr.status_kind"), STATUS_KINDS, format_func=lambda k: tr(f"hr.status_kind.{k}"))
        day = st.date_input(tr("field.hr.effective_date"), value=dt.date.today())
        position = st.text_input(tr("field.hr.position"))
        remarks = st.text_input(tr("field.hr.remarks"))
        sure = st.checkbox(tr("hr.confirm_status"))
        if st.form_submit_button(tr("hr.record"), type="primary"):
            if kind == "leave" and not sure:
                st.warning(tr("hr.confirm_leave_first"))
            else:
                run_action(es.record_status_change, employee_id=emp_id, kind=kind, effective_date=day,
                           position=position or None, remarks=remarks, success="hr.saved")
