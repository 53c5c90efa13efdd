"""应付账龄 by open items AS OF ANY DATE (complements 报表 → 账龄分析, which ages the ledger balance of an account
FIFO in the analytics store): each supplier's open invoices as they stood at the end of the chosen day (later
payments ignored), aged from the invoice date or the due date (账期) into 0-30 / 31-60 / 61-90 / >90 days, with
the open prepayments and the net owed; the open items behind it; CSV/XLSX downloads."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.settlement import queries as q
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.open_items_kit import as_of_caption
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.payables.aging"))
help_link("payables", "aging")  # "?" to this page's part of the help centre
loc = locale()
suppliers = run_action(q.payables_choices)
if suppliers is None:
    st.stop()
with st.form("pa_filters"):
    c1, c2, c3 = st.columns([2, 2, 3])
    day = c1.date_input(tr("pay.as_of"), value=dt.date.today(), key="pa_date")
    basis = c2.radio(tr("field.settlement.aging_basis"), list(q.BASES), key="pa_basis", horizontal=True,
                     format_func=lambda b: tr(f"pay.basis.{b}"))
    partner = c3.selectbox(tr("field.settlement.supplier"), [None, *suppliers], key="pa_sup",
                           format_func=lambda i: tr("pay.all") if i is None else suppliers[i])
    st.form_submit_button(tr("pay.run"), type="primary", icon=":material/play_arrow:")

aging = run_action(q.payables_aging, as_of=day, basis=basis, partner_id=partner)
if aging is None:
    st.stop()
if not aging.rows:
    st.info(tr("pay.nothing_open"))
    st.stop()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


buckets = (["not_due"] if basis == "due_date" else []) + list(q.BUCKETS)
columns = [("supplier_code", "pay.col.supplier_code"), ("supplier_name", "pay.col.supplier_name"),
           *[(b, f"pay.bucket.{b}") for b in buckets], ("open", "pay.col.open"), ("prepaid", "pay.col.prepaid"),
           ("net", "pay.col.net")]
totals = {"supplier_code": tr("pay.total"), "supplier_name": "", **aging.totals}
table([*aging.rows, totals], columns, formatters={c: money for c, _ in columns[2:]})
export_buttons(aging.rows, columns, f"payables_aging_{day.isoformat()}", "pa_export")
as_of_caption(aging.data_as_of)
with st.expander(tr("pay.items"), icon=":material/list:"):
    item_cols = [("supplier_code", "pay.col.supplier_code"), ("number", "pay.col.number"),
                 ("doc_date", "pay.col.doc_date"), ("due_date", "pay.col.due_date"), ("amount", "pay.col.amount"),
                 ("settled", "pay.col.settled"), ("open", "pay.col.open"), ("bucket", "pay.col.bucket")]
    table(aging.items, item_cols, formatters={"amount": money, "settled": money, "open": money,
                                              "doc_date": lambda d: d.isoformat(), "due_date": lambda d: d.isoformat(),
                                              "bucket": lambda b: tr(f"pay.bucket.{b}")})
    export_buttons(aging.items, item_cols, f"payables_open_items_{day.isoformat()}", "pa_items_export")
