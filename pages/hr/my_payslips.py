"""我的工资条: the signed-in employee's own payslips (locked runs only), printable, with a download; their own
attendance of a month and leave balances."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.hr.attendance import queries as aq
from erp_core.hr.payroll import queries as pq
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.safe import md_escape
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.hr.my_payslips"))


def own_attendance() -> None:
    """The employee's own attendance of a month and leave balances (below the payslips)."""
    with st.expander(tr("hr4.my_attendance")):
        today = dt.date.today()
        month = st.text_input(tr("hr.col.period"), value=f"{today:%Y-%m}", key="mp_att_period")
        mine = run_action(aq.my_attendance, period=month) or []
        table(mine, [("scheduled", "hr.col.scheduled"), ("worked", "hr.col.worked"), ("late", "hr.col.late"),
                     ("early", "hr.col.early"), ("absent", "hr.col.absent"), ("missing_count", "hr.col.missing"),
                     ("leave_days", "hr.col.leave_days")])
        balances = run_action(aq.my_leave_balances, year=today.year) or []
        table(balances, [("kind", "field.hr.leave_kind"), ("entitled", "hr4.col.entitled"),
                         ("used", "hr4.col.used"), ("left", "hr4.col.left")])


slips = run_action(pq.my_payslips)
if slips is None:
    st.stop()
if not slips:
    st.info(tr("hr.no_payslips"))
    own_attendance()
    st.stop()


def money(v) -> str:
    return "" if v is None else f"{v:,.2f}"


LINES = [("gross_pay", "hr.col.gross_pay"), ("employee_si", "hr.col.employee_si"),
         ("employee_hf", "hr.col.employee_hf"), ("special_deductions", "hr.col.special_deductions"),
         ("iit_withheld", "hr.col.iit_withheld"), ("after_tax_deductions", "hr.col.after_tax"),
         ("net_pay", "hr.col.net_pay"), ("cumulative_taxable", "hr.col.cumulative_taxable"),
         ("cumulative_withheld", "hr.col.cumulative_withheld")]
table(slips, [("period", "hr.col.period"), *LINES], formatters={k: money for k, _ in LINES})
# a month with a supplementary run (补发/补扣) has two payslips: each is chosen by its period and run number
picks = list(range(len(slips)))
n_in = {p: sum(1 for s in slips if s["period"] == p) for p in {s["period"] for s in slips}}
pick = st.selectbox(tr("hr.col.period"), picks, index=len(picks) - 1, key="mp_period",
                    format_func=lambda i: slips[i]["period"] if n_in[slips[i]["period"]] == 1
                    else f'{slips[i]["period"]} · {slips[i]["run_number"]}')
slip = slips[pick]
period = slip["period"]
with st.container(border=True):  # 工资条 (printable with the browser's print)
    st.markdown(f'### {md_escape(tr("hr.payslip_title", period=period))}')
    st.markdown(f'{md_escape(slip["employee_code"])} · {md_escape(slip["employee_name"])}')
    items = {k: v for k, v in slip["items"].items() if not k.startswith(("ee:", "er:"))}
    st.table({tr("hr.col.item"): list(items), tr("hr.col.amount"): [money(v) for v in items.values()]})
    st.table({tr("hr.col.item"): [tr(h) for _, h in LINES], tr("hr.col.amount"): [money(slip[k]) for k, _ in LINES]})
export_buttons([slip], [("period", "hr.col.period"), *LINES], f"payslip-{period}", "mp_export")
own_attendance()
