"""Finance dashboard: monthly income and expense, month-end cash balance, with the figures downloadable.

Many managers keep this page open and rerun it often (issue #17): when nothing was posted since this browser
session last read the figures (same watermark, same actor scope, year and language), the page shows what it
already has — only the cheap permission-checked as-of look-up runs — instead of reading and drawing them again.
What it keeps is this session's own (st.session_state), never shared with another user."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.analytics import queries
from ui import charts
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import money, tr
from ui.report_kit import as_of, download_rows, downloads, metric_row, show_table, table_view

MEMO_KEY = "dash_memo"
IE_COLUMNS = ["period", "income", "expense", "profit"]
CASH_COLUMNS = ["period", "balance"]

actor = require_actor()
st.title(tr("nav.reports.dashboard"))
this_year = dt.date.today().year
year = st.selectbox(tr("reports.year"), list(range(this_year, this_year - 6, -1)), key="dash_year")
stamp = run_action(queries.as_of)
if stamp is None:
    st.stop()
key = (int(year), actor.user_id, actor.company_id, actor.scope(queries.REPORT_VIEW), actor.department_ids,
       actor.project_ids, locale())
memo = st.session_state.get(MEMO_KEY)
if memo is None or memo["key"] != key or memo["watermark"] != stamp.watermark:
    data = run_action(queries.dashboard, year=int(year))
    if data is None:
        st.session_state.pop(MEMO_KEY, None)
        st.stop()
    ie, cash = data["income_expense"], data["cash"]
    # Everything drawn from the figures is made once per (figures, key): the charts' plotly dicts, the formatted
    # tables, the download rows, the metrics (a rerun then only sends them; about half the page's CPU, issue #17).
    memo = {"key": key, "watermark": ie.attrs["as_of"].watermark, "ie": ie, "cash": cash,
            "income_expense": charts.kept(charts.income_expense(
                ie, title=tr("reports.income_expense"), income=tr("reports.income"), expense=tr("reports.expense"),
                profit=tr("reports.profit"))),
            "balance": charts.kept(charts.balance_line(cash, title=tr("reports.cash_balance"),
                                                       name=tr("reports.cash_balance"))),
            "metrics": (money(sum(ie["income"])), money(sum(ie["expense"])),
                        money(cash["balance"].iloc[-1] if len(cash) else 0))}
    st.session_state[MEMO_KEY] = memo
else:
    memo["ie"].attrs["as_of"] = memo["cash"].attrs["as_of"] = stamp  # still current, as of this look-up
ie, cash = memo["ie"], memo["cash"]
as_of(ie)
income, expense, cash_now = memo["metrics"]
metric_row([(tr("reports.income"), income), (tr("reports.expense"), expense), (tr("reports.cash_now"), cash_now)])
st.plotly_chart(memo["income_expense"], width="stretch")
st.plotly_chart(memo["balance"], width="stretch")
# The figures behind the charts (two tables and their downloads, about half the page's elements) are drawn
# when asked for: a collapsed expander would still build and send them on every rerun (issue #17).
if st.toggle(tr("reports.show_figures"), key="dash_figures"):
    if "ie_view" not in memo:  # made once per figures, when first asked for (kept with them)
        memo.update(ie_view=table_view(ie, IE_COLUMNS, money=IE_COLUMNS[1:], arrow=True),
                    cash_view=table_view(cash, CASH_COLUMNS, money=CASH_COLUMNS[1:], arrow=True),
                    ie_rows=download_rows(ie, IE_COLUMNS), cash_rows=download_rows(cash, CASH_COLUMNS))
    show_table(ie, IE_COLUMNS, key="dash_ie", view=memo["ie_view"])
    downloads(ie, IE_COLUMNS, f"income_expense_{year}", "dash_ie_export", rows=memo["ie_rows"])
    show_table(cash, CASH_COLUMNS, key="dash_cash", view=memo["cash_view"])
    downloads(cash, CASH_COLUMNS, f"cash_{year}", "dash_cash_export", rows=memo["cash_rows"])
