"""General ledger (总账) and subsidiary ledger (明细账): running balance, 期初余额, 本期合计, 本年累计."""

from __future__ import annotations

import streamlit as st

from erp_core.analytics import queries
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.report_kit import account_select, as_of, downloads, period_select, show_table

DETAIL = ["posting_date", "voucher", "account_code", "summary", "debit", "credit", "direction", "balance"]
GENERAL = ["account_code", "account_name", "period", "summary", "debit", "credit", "direction", "balance"]

require_actor()
st.title(tr("nav.reports.ledger"))
help_link("reports", "as-of")  # "?" to this page's part of the help centre
accounts = run_action(queries.accounts) or []
if not accounts:
    st.info(tr("reports.no_accounts"))
    st.stop()

with st.form("ledger_filters"):
    kind = st.radio(tr("reports.ledger_kind"), ["detail", "summary", "general"], key="ledger_kind", horizontal=True,
                    format_func=lambda k: tr(f"reports.ledger_kind.{k}"))
    c1, c2, c3 = st.columns([4, 2, 2])
    code = account_select(accounts, "ledger_account", container=c1)
    start = period_select("field.reports.period_from", "ledger_from", container=c2)
    end = period_select("field.reports.period_to", "ledger_to", container=c3)
    st.form_submit_button(tr("reports.run"), type="primary", icon=":material/play_arrow:")

if kind == "general":
    df = run_action(queries.general_ledger, period_from=start, period_to=end)
    columns, name = GENERAL, f"general_ledger_{start}_{end}"
else:
    df = run_action(queries.ledger, account_code=code, period_from=start, period_to=end, detail=kind == "detail")
    columns, name = DETAIL, f"ledger_{code}_{start}_{end}"
if df is None:
    st.stop()
as_of(df)
show_table(df, columns, money=["debit", "credit", "balance"], key="ledger_table")
downloads(df, columns, name, "ledger_export")
