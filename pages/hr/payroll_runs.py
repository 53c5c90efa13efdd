"""工资表: the payroll runs of a period range; a new run for a period (company or one department); a run's
payslips and totals; recompute / submit / approve (lock) / post / reverse (confirmed); a supplementary run (补发/
补扣) of a locked period; paying the period's 社保 / 公积金 / 个税 to the authorities; downloads: payroll report,
bank transfer file, IIT declaration, social insurance report."""

from __future__ import annotations

import streamlit as st

from erp_core.hr.payroll import queries as pq
from erp_core.hr.payroll import services as pay
from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from ui.actions import run_action
from ui.context import require_actor
from ui.finance_kit import XLSX_MIME
from ui.help import help_link
from ui.i18n import tr
from ui.report_kit import period_select, this_period
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import confirmed_button, export_buttons, table

actor = require_actor()
st.title(tr("nav.hr.payroll_runs"))
help_link("hr", "payroll")  # "?" to this page's part of the help centre
MONEY = ("gross_pay", "employee_si", "employee_hf", "special_deductions", "cumulative_taxable", "iit_withheld",
         "net_pay", "employer_si", "employer_hf")
SLIP_COLUMNS = [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
                ("department", "hr.col.department"), ("gross_pay", "hr.col.gross_pay"),
                ("employee_si", "hr.col.employee_si"), ("employee_hf", "hr.col.employee_hf"),
                ("special_deductions", "hr.col.special_deductions"),
                ("cumulative_taxable", "hr.col.cumulative_taxable"), ("iit_withheld", "hr.col.iit_withheld"),
                ("net_pay", "hr.col.net_pay"), ("employer_si", "hr.col.employer_si"),
                ("employer_hf", "hr.col.employer_hf")]
REPORT_COLUMNS = [(c, f"hr.col.{c}") for c in pq.REPORT_COLUMNS]


def money(v) -> str:
    return "" if v is None else f"{v:,.2f}"


FMT = {k: money for k in (*MONEY, "total", "amount", "employee_social_insurance", "employee_housing_fund",
                          "special_additional_deductions", "cumulative_taxable_income")}

sections = ["list", "new", "supplement"] if actor.may("hr.payroll.create") else ["list"]
chosen = section("pr_section", sections, "hr.section.", tr("nav.hr.payroll_runs"))

if chosen == "new":
    with st.form("pr_new"):
        period = period_select("field.hr.period", "pr_new_period", default=this_period())
        departments = {}
        if actor.may("masterdata.department.view"):
            from erp_core.masterdata import org_queries

            departments = {d["id"]: f'{d["code"]} {d["name"]}' for d in (run_action(org_queries.department_tree) or [])}
        dep = st.selectbox(tr("field.hr.department"), [None, *departments], key="pr_new_dep",
                           format_func=lambda i: tr("hr.whole_company") if i is None else departments[i])
        if st.form_submit_button(tr("hr.compute"), type="primary"):
            new_id = run_action(pay.create_payroll_run, period=period, department_id=dep, success="hr.computed")
            if new_id:
                st.session_state["pr_run"] = new_id
    st.stop()

if chosen == "supplement":  # 补发/补扣: lines of employee, item, amount for a period whose regular run is locked
    from erp_core.hr.employees import queries as eq

    st.caption(tr("hr2.supplement_help"))
    people = {e["employee_id"]: f'{e["code"]} {e["name"]}' for e in (
        run_action(eq.list_profiles, active=None) or [])} if actor.may("hr.profile.read") else {}
    items = [i["code"] for i in (run_action(pq.payroll_setup) or {}).get("items", [])] if actor.may(
        "hr.setup.read") else ["performance_pay", "overtime_pay", "absence_deduction"]
    with st.form("pr_sup"):
        period = period_select("field.hr.period", "pr_sup_period", default=this_period())
        emp = st.selectbox(tr("hr.col.employee_name"), list(people), format_func=lambda i: people[i], key="pr_sup_emp")
        item = st.selectbox(tr("field.hr.item_code"), items, key="pr_sup_item")
        amount = st.number_input(tr("field.hr.amount"), value=0.0, step=100.0, format="%.2f", key="pr_sup_amount")
        if st.form_submit_button(tr("hr2.supplement_create"), type="primary") and emp is not None:
            new_id = run_action(pay.create_supplementary_run, period=period, success="hr.computed",
                                lines=[{"employee_id": emp, "item_code": item, "amount": f"{amount:.2f}"}])
            if new_id:
                st.session_state["pr_run"] = new_id
    owed = run_action(pq.owed_back_rows) or []
    if owed:  # 补扣 of pay already paid: owed back until the next payroll takes it or the employee repays
        st.subheader(tr("hr3.owed_back"))
        table(owed, [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
                     ("owed", "hr3.col.owed")], formatters={"owed": money})
        if actor.may("hr.payroll.pay"):
            by_id = {r["employee_id"]: r for r in owed}
            with st.form("pr_repay"):
                who = st.selectbox(tr("hr.col.employee_name"), list(by_id), key="pr_repay_emp",
                                   format_func=lambda i: f'{by_id[i]["employee_code"]} {by_id[i]["employee_name"]}')
                paid = st.number_input(tr("field.hr.amount"), min_value=0.0, step=100.0, format="%.2f",
                                       key="pr_repay_amount")
                day = st.date_input(tr("field.hr.pay_date"), key="pr_repay_date")
                if st.form_submit_button(tr("hr3.repay"), type="primary"):
                    if run_action(pay.record_payroll_repayment, employee_id=who, amount=f"{paid:.2f}", pay_date=day,
                                  success="hr3.repaid") is not None:
                        st.rerun()
    st.stop()

c1, c2, c3 = st.columns(3)
p_from = c1.text_input(tr("hr.period_from"), key="pr_from", placeholder="2026-01")
p_to = c2.text_input(tr("hr.period_to"), key="pr_to", placeholder="2026-12")
status = c3.selectbox(tr("hr.col.status"), [None, "draft", "approved", "posted", "reversed"], key="pr_status",
                      format_func=lambda s: tr("hr.all") if s is None else tr(f"hr.status.{s}"))
runs = run_action(pq.list_runs, period_from=p_from or None, period_to=p_to or None, status=status)
if runs is None:
    st.stop()
if not runs:
    st.info(tr("hr.no_runs"))
    st.stop()
table(runs, [("number", "hr.col.number"), ("period", "hr.col.period"), ("department", "hr.col.department"),
             ("status", "hr.col.status"), ("employees", "hr.col.employees"), ("total", "hr.col.gross_pay")],
      formatters={"total": money, "status": lambda s: tr(f"hr.status.{s}"),
                  "department": lambda d: d or tr("hr.whole_company")})
by_id = {r["run_id"]: r for r in runs}
ids = list(by_id)
current = st.session_state.get("pr_run")
run_id = st.selectbox(tr("hr.choose_run"), ids, index=ids.index(current) if current in ids else 0, key="pr_pick",
                      format_func=lambda i: f'{by_id[i]["number"]} {by_id[i]["period"]} {tr("hr.status." + by_id[i]["status"])}')
detail = run_action(pq.run_detail, run_id=run_id)
if detail is None:
    st.stop()
st.subheader(f'{md_escape(detail["number"])} · {md_escape(detail["period"])}')
table(detail["payslips"], SLIP_COLUMNS, formatters=FMT)
t = detail["totals"]
st.caption(tr("hr.totals", gross=money(t["gross_pay"]), iit=money(t["iit_withheld"]), net=money(t["net_pay"])))

a1, a2, a3 = st.columns(3)
if detail["status"] == "draft":
    if actor.may("hr.payroll.create") and a1.button(tr("hr.recompute"), key="pr_recompute"):
        if run_action(pay.recompute_payroll_run, run_id=run_id, version=detail["version"], success="hr.computed"):
            st.rerun()
    if actor.may("hr.payroll.submit") and a2.button(tr("hr.submit"), key="pr_submit"):
        run_action(pay.submit_payroll_run, run_id=run_id, success="hr.submitted")
    if actor.may("hr.payroll.approve"):
        with a3:
            if confirmed_button("hr.approve", "hr.confirm_approve", "pr_approve", number=detail["number"]):
                if run_action(pay.approve_payroll_run, run_id=run_id, success="hr.approved") is not None:
                    st.rerun()
elif detail["status"] == "approved" and actor.may("hr.payroll.post"):
    if confirmed_button("hr.post", "hr.confirm_post", "pr_post", number=detail["number"]):
        if run_action(pay.post_payroll_run, run_id=run_id, success="hr.posted"):
            st.rerun()
elif detail["status"] == "posted" and detail["reverses_id"] is None:
    if actor.may("hr.payroll.pay"):
        with a1:
            pay_day = st.date_input(tr("field.hr.pay_date"), value=None, key="pr_pay_date")
            bank = st.text_input(tr("field.hr.bank_account_code"), key="pr_pay_bank", placeholder="1002")
            if confirmed_button("hr.pay", "hr.confirm_pay", "pr_pay", number=detail["number"]) and pay_day:
                run_action(pay.pay_payroll_run, run_id=run_id, pay_date=pay_day, bank_account_code=bank or None,
                           success="hr.paid")
    if actor.may("hr.payroll.reverse"):
        with a3:
            if confirmed_button("hr.reverse", "hr.confirm_reverse", "pr_reverse", number=detail["number"]):
                if run_action(pay.reverse_payroll_run, run_id=run_id, success="hr.reversed"):
                    st.rerun()

if detail["status"] == "posted" and detail["reverses_id"] is None and actor.may("hr.payroll.remit"):
    # 缴纳: the period's 社保 / 公积金 / 个税 paid to the authorities from the bank (one voucher each, once)
    st.divider()
    st.markdown(f'**{tr("hr2.remit_title", period=md_escape(detail["period"]))}**')
    owed = run_action(pq.remittance_status, period=detail["period"]) or []
    table(owed, [("kind", "field.hr2.remit_kind"), ("employer", "hr2.col.employer"),
                 ("employee", "hr2.col.employee"), ("total", "hr.col.total"), ("paid_on", "hr2.col.paid_on")],
          formatters={"employer": money, "employee": money, "total": money,
                      "kind": lambda k: tr(f"hr2.remit.{k}"), "paid_on": lambda d: "" if d is None else str(d)})
    r1, r2 = st.columns(2)
    remit_day = r1.date_input(tr("field.hr.pay_date"), value=None, key="pr_remit_date")
    remit_bank = r2.text_input(tr("field.hr.bank_account_code"), key="pr_remit_bank", placeholder="1002")
    cols = st.columns(3)
    for col, row in zip(cols, owed, strict=False):
        if row["paid_on"] is None and row["total"] > 0 and col.button(
                tr(f"hr2.remit_button.{row['kind']}"), key=f"pr_remit_{row['kind']}") and remit_day:
            if run_action(pay.remit_payroll, period=detail["period"], kind=row["kind"], pay_date=remit_day,
                          bank_account_code=remit_bank or None, success="hr2.remitted"):
                st.rerun()

st.divider()
st.markdown(f'**{tr("hr.downloads")}**')
st.caption(tr("hr.download.report"))
report = run_action(pq.payroll_report, period=detail["period"]) or []
export_buttons(report, REPORT_COLUMNS, f'payroll-{detail["period"]}', "pr_exp_report")
st.caption(tr("hr.download.bank"))
bank = run_action(pq.bank_transfer_rows, run_id=run_id) or []
export_buttons(bank, [("name", "hr.col.employee_name"), ("bank", "field.hr.bank_name"),
                      ("account", "field.hr.bank_account"), ("amount", "hr.col.net_pay")],
               f'bank-{detail["number"]}', "pr_exp_bank")
st.caption(tr("hr.download.iit"))
iit_rows = run_action(pq.iit_declaration_rows, run_id=run_id) or []
if iit_rows:  # the tax client's own (Chinese) column names, in both languages
    heads = list(iit_rows[0])
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button(tr("settings.export_csv"), to_csv_bytes(heads, [[r[h] for h in heads] for r in iit_rows]),
                       file_name=f'iit-{detail["number"]}.csv', mime="text/csv", key="pr_exp_iit_csv")
    d2.download_button(tr("settings.export_xlsx"), to_xlsx_bytes(heads, [[r[h] for h in heads] for r in iit_rows]),
                       file_name=f'iit-{detail["number"]}.xlsx', key="pr_exp_iit_xlsx", mime=XLSX_MIME)
st.caption(tr("hr.download.insurance"))
ins = run_action(pq.insurance_report, period=detail["period"]) or []
export_buttons(ins, [("employee_code", "hr.col.employee_code"), ("employee_name", "hr.col.employee_name"),
                     ("insurance_base", "field.hr.insurance_base"), ("employer_si", "hr.col.employer_si"),
                     ("employee_si", "hr.col.employee_si"), ("employer_hf", "hr.col.employer_hf"),
                     ("employee_hf", "hr.col.employee_hf"), ("total", "hr.col.total")],
               f'insurance-{detail["period"]}', "pr_exp_ins")
