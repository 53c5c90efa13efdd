"""人事看板: headcount by department, hires and leavers per month, payroll cost trend, attendance exceptions."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from erp_core.hr.dashboard_queries import hr_dashboard
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.hr.dashboard"))
c1, c2 = st.columns(2)
year = int(c1.number_input(tr("field.hr.year"), min_value=2000, max_value=2100, value=dt.date.today().year,
                           key="hd_year"))
month = int(c2.number_input(tr("hr.month"), min_value=1, max_value=12, value=dt.date.today().month, key="hd_month"))
data = run_action(hr_dashboard, year=year, month=month)
if data is None:
    st.stop()
total = sum(h["employees"] for h in data["headcount"])
st.metric(tr("hr.headcount"), total)
a, b = st.columns(2)
with a:
    fig = go.Figure(go.Bar(x=[h["department"] for h in data["headcount"]], y=[h["employees"] for h in data["headcount"]]))
    fig.update_layout(title=tr("hr.headcount_by_department"), height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    st.plotly_chart(fig, width="stretch")
with b:
    fig = go.Figure([go.Bar(name=tr("hr.hires"), x=[m["period"] for m in data["moves"]],
                            y=[m["hires"] for m in data["moves"]]),
                     go.Bar(name=tr("hr.leavers"), x=[m["period"] for m in data["moves"]],
                            y=[m["leavers"] for m in data["moves"]])])
    fig.update_layout(title=tr("hr.hires_leavers"), height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    st.plotly_chart(fig, width="stretch")
fig = go.Figure(go.Scatter(x=[c["period"] for c in data["cost"]], y=[float(c["total"]) for c in data["cost"]],
                           mode="lines+markers"))
fig.update_layout(title=tr("hr.payroll_cost"), height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10})
st.plotly_chart(fig, width="stretch")
cols = [("period", "hr.col.period"), ("employees", "hr.col.employees"), ("gross_pay", "hr.col.gross_pay"),
        ("employer_contributions", "hr.col.employer_contributions"), ("total", "hr.col.total")]
table(data["cost"], cols, formatters={k: (lambda v: f"{v:,.2f}") for k in ("gross_pay", "employer_contributions",
                                                                          "total")})
if data["cost"]:
    export_buttons(data["cost"], cols, f"payroll-cost-{year}", "hd_export")
st.subheader(tr("hr.attendance_exceptions", count=len(data["exceptions"])))
