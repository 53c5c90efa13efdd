"""Dimension ledgers (辅助核算余额表): balances per customer, supplier, department or project; pick a row for its
vouchers."""

from __future__ import annotations

import streamlit as st

from erp_core.analytics import queries
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.report_kit import account_select, as_of, downloads, period_select, show_table
from ui.safe import md

COLUMNS = ["dimension_code", "dimension_name", "opening_debit", "opening_credit", "period_debit", "period_credit",
           "closing_debit", "closing_credit"]
DRILL = ["posting_date", "voucher", "account_code", "summary", "debit", "credit"]
DIMENSIONS = ["customer", "supplier", "department", "project", "employee"]

actor = require_actor()
st.title(tr("nav.reports.dimension_ledger"))
accounts = run_action(queries.accounts) or []

with st.form("dim_filters"):
    c1, c2, c3, c4 = st.columns([2, 4, 2, 2])
    dimension = c1.selectbox(tr("field.reports.dimension"), DIMENSIONS, key="dim_kind",
                             format_func=lambda d: tr(f"reports.dimension.{d}"))
    code = account_select(accounts, "dim_account", container=c2, allow_empty=True)
    start = period_select("field.reports.period_from", "dim_from", container=c3)
    end = period_select("field.reports.period_to", "dim_to", container=c4)
    st.form_submit_button(tr("reports.run"), type="primary", icon=":material/play_arrow:")

df = run_action(queries.dimension_ledger, dimension=dimension, account_code=code, period_from=start, period_to=end)
if df is None:
    st.stop()
as_of(df)
picked = show_table(df, COLUMNS, money=COLUMNS[2:], key="dim_table", select=True)
downloads(df, COLUMNS, f"{dimension}_balances_{start}_{end}", "dim_export")
if picked is not None and actor.may("finance.ledger.view"):
    row = df.iloc[picked]
    st.subheader(md("reports.drill_title", account=f"{row['dimension_code']} {row['dimension_name']}"))
    lines = run_action(queries.drill_down, account_code=code or "", period_from=start, period_to=end,
                       **{f"{dimension}_id": int(row["dimension_id"])}) if code else None
    if code is None:
        st.caption(tr("reports.pick_account_first"))
    elif lines is not None:
        show_table(lines, DRILL, money=["debit", "credit"], key="dim_drill")
