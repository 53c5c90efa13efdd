"""人事看板: headcount by department, hires and leavers per month, payroll cost trend, attendance exceptions.

The finance dashboard's pattern (issue #17): each rerun asks only the cheap stamp (hr_dashboard_stamp: the audit
chain's last number and the minute); while it, the reader, the year, month and language stay the same, the page
shows the figures and charts this browser session already made (st.session_state: this session's own, never
another user's). The payroll cost table and its downloads are drawn only when asked for."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.hr.dashboard_queries import dashboard_stamp, hr_dashboard
from ui import charts
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.report_kit import kept_until
from ui.settings_kit import export_buttons, table

MEMO_KEY = "hd_memo"
COST_COLUMNS = [("period", "hr.col.period"), ("employees", "hr.col.employees"), ("gross_pay", "hr.col.gross_pay"),
                ("employer_contributions", "hr.col.employer_contributions"), ("total", "hr.col.total")]

actor = require_actor()
st.title(tr("nav.hr.dashboard"))
c1, c2 = st.columns(2)
year = int(c1.number_input(tr("field.hr.year"), min_value=2000, max_value=2100, value=dt.date.today().year,
                           key="hd_year"))
month = int(c2.number_input(tr("hr.month"), min_value=1, max_value=12, value=dt.date.today().month, key="hd_month"))
stamp = run_action(dashboard_stamp)
if stamp is None:
    st.stop()
key = (year, month, actor.user_id, actor.company_id, actor.scope("hr.dashboard.read"), locale())
memo = st.session_state.get(MEMO_KEY)
due = kept_until(stamp.seq)
if memo is None or memo["key"] != key or memo["due"] != due:
    data = run_action(hr_dashboard, year=year, month=month)
    if data is None:
        st.session_state.pop(MEMO_KEY, None)
        st.stop()
    heads, moves, cost = data["headcount"], data["moves"], data["cost"]
    memo = {"key": key, "due": (data["stamp"].seq, due[1]), "data": data,
            "total": sum(h["employees"] for h in heads),
            "heads": charts.kept(charts.bars([h["department"] for h in heads],
                                             {tr("hr.headcount"): [h["employees"] for h in heads]},
                                             title=tr("hr.headcount_by_department"))),
            "moves": charts.kept(charts.bars([m["period"] for m in moves],
                                             {tr("hr.hires"): [m["hires"] for m in moves],
                                              tr("hr.leavers"): [m["leavers"] for m in moves]},
                                             title=tr("hr.hires_leavers"))),
            "cost": charts.kept(charts.line([c["period"] for c in cost], [c["total"] for c in cost],
                                            title=tr("hr.payroll_cost"), name=tr("hr.col.total")))}
    st.session_state[MEMO_KEY] = memo
data = memo["data"]
st.metric(tr("hr.headcount"), memo["total"])
a, b = st.columns(2)
a.plotly_chart(memo["heads"], width="stretch")
b.plotly_chart(memo["moves"], width="stretch")
st.plotly_chart(memo["cost"], width="stretch")
st.subheader(tr("hr.attendance_exceptions", count=len(data["exceptions"])))
# The payroll cost table and its downloads (the files are built on every run they are shown): when asked for.
if st.toggle(tr("reports.show_figures"), key="hd_figures"):
    table(data["cost"], COST_COLUMNS, formatters={k: (lambda v: f"{v:,.2f}") for k in
                                                  ("gross_pay", "employer_contributions", "total")})
    if data["cost"]:
        export_buttons(data["cost"], COST_COLUMNS, f"payroll-cost-{year}", "hd_export")
