"""逾期应收 (overdue receivables): every sales invoice open at the end of the chosen day and past its due date,
with the days overdue, most overdue first; CSV/XLSX downloads (the same rows as `erp report receivables
--overdue`)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.billing import queries as q
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.sales.overdue"))
loc = locale()
day = st.date_input(tr("pay.as_of"), value=dt.date.today(), key="od_date")
rows = run_action(q.receivables_report, as_of=day, overdue_only=True)
if rows is None:
    st.stop()
if not rows:
    st.success(tr("bill.nothing_overdue"), icon=":material/task_alt:")
    st.stop()
rows.sort(key=lambda r: -r["days_overdue"])


def money(v):
    return fmt.format_number(v, loc, 2)


st.metric(tr("bill.overdue_total"), money(sum(r["outstanding"] for r in rows)))
columns = [("customer_code", "bill.col.customer_code"), ("customer_name", "bill.col.customer_name"),
           ("invoice_no", "pay.col.number"), ("invoice_date", "pay.col.doc_date"), ("due_date", "pay.col.due_date"),
           ("amount", "pay.col.amount"), ("settled", "pay.col.settled"), ("outstanding", "pay.col.open"),
           ("days_overdue", "bill.col.days_overdue")]
table(rows, columns, formatters={"amount": money, "settled": money, "outstanding": money,
                                 "invoice_date": lambda d: d.isoformat(), "due_date": lambda d: d.isoformat()})
export_buttons(rows, columns, f"overdue_{day.isoformat()}", "od_export")
