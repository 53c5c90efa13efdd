"""Income statement (利润表): the period and the year to date, in the statutory layout."""

from __future__ import annotations

import streamlit as st

from erp_core.analytics import queries
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.report_kit import as_of, downloads, period_select, show_table

TB = ["account_code", "account_name", "opening_debit", "opening_credit", "period_debit", "period_credit",
      "closing_debit", "closing_credit"]
COLUMNS = ["line_no", "item", "period_amount", "year_to_date_amount"]

require_actor()
st.title(tr("nav.reports.income_statement"))
with st.form("is_filters"):
    c1, _ = st.columns([2, 6])
    period = period_select("field.reports.period", "is_period", container=c1)
    st.form_submit_button(tr("reports.run"), type="primary", icon=":material/play_arrow:")

df = run_action(queries.income_statement, period=period)
if df is None:
    st.stop()
as_of(df)
picked = show_table(df, COLUMNS, money=COLUMNS[2:], key="is_table", select=True)
downloads(df, COLUMNS, f"income_statement_{period}", "is_export")
line_no = df.iloc[picked]["line_no"] if picked is not None else None
if line_no is not None and str(line_no) != "<NA>":
    st.subheader(tr("reports.statement_drill", line=int(line_no), item=df.iloc[picked]["item"].strip()))
    detail = run_action(queries.statement_line_accounts, statement="income_statement", period=period, line_no=int(line_no))
    if detail is not None:
        show_table(detail, TB, money=TB[2:], key="is_drill")
else:
    st.caption(tr("reports.statement_drill_hint"))
