"""Receivables and payables aging (账龄分析): 0-30 / 31-60 / 61-90 / 91-180 / >180 days."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.analytics import queries
from ui import charts
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.report_kit import as_of, downloads, show_table

BUCKETS = ["0-30", "31-60", "61-90", "91-180", ">180"]
COLUMNS = ["dimension_code", "dimension_name", "balance", *BUCKETS]

require_actor()
st.title(tr("nav.reports.aging"))
help_link("reports", "as-of")  # "?" to this page's part of the help centre
with st.form("aging_filters"):
    c1, c2, _ = st.columns([2, 2, 4])
    kind = c1.radio(tr("field.reports.aging_kind"), ["receivable", "payable"], key="aging_kind", horizontal=True,
                    format_func=lambda k: tr(f"reports.aging.{k}"))
    day = c2.date_input(tr("reports.as_of_date"), value=dt.date.today(), key="aging_date")
    st.form_submit_button(tr("reports.run"), type="primary", icon=":material/play_arrow:")

df = run_action(queries.aging, kind=kind, as_of_date=day)
if df is None:
    st.stop()
as_of(df)
if df.empty:
    st.info(tr("reports.nothing_open"))
    st.stop()
show_table(df, COLUMNS, money=COLUMNS[2:], key="aging_table")
downloads(df, COLUMNS, f"aging_{kind}_{day.isoformat()}", "aging_export")
st.plotly_chart(charts.aging_bars(df, BUCKETS, title=tr(f"reports.aging.{kind}")), width="stretch")
