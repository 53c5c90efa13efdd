"""Trial balance (科目余额表): filters in a form; pick a row to see the vouchers behind it; CSV/XLSX export."""

from __future__ import annotations

import streamlit as st

from erp_core.analytics import queries
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.report_kit import TRIAL_BALANCE_COLUMNS, account_select, as_of, downloads, period_select, show_table
from ui.safe import md

TB = TRIAL_BALANCE_COLUMNS
DRILL = ["posting_date", "voucher", "account_code", "summary", "debit", "credit"]

actor = require_actor()
st.title(tr("nav.reports.trial_balance"))
help_link("reports", "as-of")  # "?" to this page's part of the help centre
accounts = run_action(queries.accounts) or []

with st.form("tb_filters"):
    c1, c2, c3, c4, c5 = st.columns([2, 2, 3, 3, 2])
    start = period_select("field.reports.period_from", "tb_from", container=c1)
    end = period_select("field.reports.period_to", "tb_to", container=c2)
    account_from = account_select(accounts, "tb_acc_from", container=c3, label_key="reports.account_from",
                                  allow_empty=True)
    account_to = account_select(accounts, "tb_acc_to", container=c4, label_key="reports.account_to",
                                allow_empty=True)
    level = c5.selectbox(tr("reports.level"), [None, 1, 2, 3, 4], key="tb_level",
                         format_func=lambda v: tr("reports.all_levels") if v is None else str(v))
    st.form_submit_button(tr("reports.run"), type="primary", icon=":material/play_arrow:")

df = run_action(queries.trial_balance, period_from=start, period_to=end, account_from=account_from,
                account_to=account_to, max_level=level)
if df is None:
    st.stop()
as_of(df)
picked = show_table(df, TB, money=TB[2:], key="tb_table", select=True)
downloads(df, TB, f"trial_balance_{start}_{end}", "tb_export")

if picked is not None and df.iloc[picked]["account_code"] and actor.may("finance.ledger.view"):
    code = df.iloc[picked]["account_code"]
    st.subheader(md("reports.drill_title", account=f"{code} {df.iloc[picked]['account_name']}"))
    lines = run_action(queries.drill_down, account_code=code, period_from=start, period_to=end)
    if lines is not None:
        show_table(lines, DRILL, money=["debit", "credit"], key="tb_drill")
        downloads(lines, DRILL, f"vouchers_{code}_{start}_{end}", "tb_drill_export")
elif picked is None:
    st.caption(tr("reports.drill_hint"))
