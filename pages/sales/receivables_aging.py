"""应收账龄 by open items AS OF ANY DATE: each customer's open invoices as they stood at the end of the chosen
day (later receipts ignored), aged from the invoice date or the due date (账期) into 0-30 / 31-60 / 61-90 / >90
days, with the open advance receipts (预收) and the net owed; the open items behind it; CSV/XLSX downloads."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.billing import queries as q
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.open_items_kit import as_of_caption
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.sales.receivables_aging"))
loc = locale()
customers = run_action(q.receivables_choices)
if customers is None:
    st.stop()
with st.form("ra_filters"):
    c1, c2, c3 = st.columns([2, 2, 3])
    day = c1.date_input(tr("pay.as_of"), value=dt.date.today(), key="ra_date")
    basis = c2.radio(tr("field.settlement.aging_basis"), ["doc_date", "due_date"], key="ra_basis", horizontal=True,
                     format_func=lambda b: tr(f"pay.basis.{b}"))
    partner = c3.selectbox(tr("field.billing.customer"), [None, *customers], key="ra_cust",
                           format_func=lambda i: tr("pay.all") if i is None else customers[i])
    st.form_submit_button(tr("pay.run"), type="primary", icon=":material/play_arrow:")

aging = run_action(q.receivables_aging, as_of=day, basis=basis, partner_id=partner, items=False)
if aging is None:
    st.stop()
if not aging.rows:
    st.info(tr("bill.nothing_open"))
    st.stop()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


buckets = (["not_due"] if basis == "due_date" else []) + ["0-30", "31-60", "61-90", ">90"]
columns = [("customer_code", "bill.col.customer_code"), ("customer_name", "bill.col.customer_name"),
           *[(b, f"pay.bucket.{b}") for b in buckets], ("open", "pay.col.open"), ("advance", "bill.col.advance_open"),
           ("net", "pay.col.net")]
totals = {"customer_code": tr("pay.total"), "customer_name": "", **aging.totals}
table([*aging.rows, totals], columns, formatters={c: money for c, _ in columns[2:]})
export_buttons(aging.rows, columns, f"receivables_aging_{day.isoformat()}", "ra_export")
as_of_caption(aging.data_as_of)
if st.toggle(tr("pay.items"), key="ra_items"):  # the open items behind the sums, read when asked for
    aging = run_action(q.receivables_aging, as_of=day, basis=basis, partner_id=partner) or aging
    item_cols = [("customer_code", "bill.col.customer_code"), ("number", "pay.col.number"),
                 ("doc_date", "pay.col.doc_date"), ("due_date", "pay.col.due_date"), ("amount", "pay.col.amount"),
                 ("settled", "pay.col.settled"), ("open", "pay.col.open"), ("bucket", "pay.col.bucket")]
    table(aging.items, item_cols, formatters={"amount": money, "settled": money, "open": money,
                                              "doc_date": lambda d: d.isoformat(), "due_date": lambda d: d.isoformat(),
                                              "bucket": lambda b: tr(f"pay.bucket.{b}")})
    export_buttons(aging.items, item_cols, f"receivables_open_items_{day.isoformat()}", "ra_items_export")
