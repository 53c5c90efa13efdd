"""Finance dashboard: monthly income and expense, month-end cash balance, with the figures downloadable."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.analytics import queries
from ui import charts
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import money, tr
from ui.report_kit import as_of, downloads, show_table

require_actor()
st.title(tr("nav.reports.dashboard"))
this_year = dt.date.today().year
year = st.selectbox(tr("reports.year"), list(range(this_year, this_year - 6, -1)), key="dash_year")
data = run_action(queries.dashboard, year=int(year))
if data is None:
    st.stop()
ie, cash = data["income_expense"], data["cash"]
as_of(ie)
c1, c2, c3 = st.columns(3)
c1.metric(tr("reports.income"), money(sum(ie["income"])))
c2.metric(tr("reports.expense"), money(sum(ie["expense"])))
c3.metric(tr("reports.cash_now"), money(cash["balance"].iloc[-1] if len(cash) else 0))
st.plotly_chart(charts.income_expense(ie, title=tr("reports.income_expense"), income=tr("reports.income"),
                                      expense=tr("reports.expense"), profit=tr("reports.profit")),
                use_container_width=True)
st.plotly_chart(charts.balance_line(cash, title=tr("reports.cash_balance"), name=tr("reports.cash_balance")),
                use_container_width=True)
with st.expander(tr("reports.figures")):
    show_table(ie, ["period", "income", "expense", "profit"], money=["income", "expense", "profit"],
               key="dash_ie")
    downloads(ie, ["period", "income", "expense", "profit"], f"income_expense_{year}", "dash_ie_export")
    show_table(cash, ["period", "balance"], money=["balance"], key="dash_cash")
    downloads(cash, ["period", "balance"], f"cash_{year}", "dash_cash_export")
