"""客户对账单: for one customer and a period, the opening balance, each invoice, red invoice, receipt and offset,
the closing balance, and the ledger's balance of the receivable and advance accounts for the customer beside it
(a difference is shown as a warning: goods invoiced before delivery wait on 预收, manual vouchers, opening
balances). Downloads for sending to the customer (CSV/XLSX)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.billing import queries as q
from erp_core.i18n import format as fmt
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import tr
from ui.safe import md_escape
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.sales.statement"))
loc = locale()
customers = run_action(q.receivables_choices)
if customers is None:
    st.stop()
if not customers:
    st.info(tr("bill.no_customers"))
    st.stop()
today = dt.date.today()
with st.form("cs_filters"):
    c1, c2, c3 = st.columns([3, 2, 2])
    partner = c1.selectbox(tr("field.billing.customer"), list(customers), key="cs_cust", format_func=customers.get)
    date_from = c2.date_input(tr("pay.date_from"), value=today.replace(day=1), key="cs_from")
    date_to = c3.date_input(tr("pay.date_to"), value=today, key="cs_to")
    st.form_submit_button(tr("pay.run"), type="primary", icon=":material/play_arrow:")

st_ = run_action(q.customer_statement, partner_id=partner, date_from=date_from, date_to=date_to)
if st_ is None:
    st.stop()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


zh = loc.startswith("zh")
st.subheader(f"{md_escape(st_.customer_code)} {md_escape(st_.customer_name)} · {md_escape(date_from.isoformat())} – {md_escape(date_to.isoformat())}")
rows = [{"doc_date": None, "doc_type": tr("pay.opening"), "number": "", "remarks": "", "increase": None,
         "decrease": None, "applied": None, "balance": st_.opening}]
rows += [{**r, "doc_type": r["doc_type_zh"] if zh else r["doc_type_en"]} for r in st_.rows]
rows.append({"doc_date": None, "doc_type": tr("pay.closing"), "number": "", "remarks": "", "increase": st_.increase,
             "decrease": st_.decrease, "applied": None, "balance": st_.closing})
columns = [("doc_date", "pay.col.doc_date"), ("doc_type", "pay.col.doc_type"), ("number", "pay.col.number"),
           ("remarks", "pay.col.remarks"), ("increase", "bill.col.increase"), ("decrease", "bill.col.decrease"),
           ("applied", "pay.col.applied"), ("balance", "pay.col.balance")]
table(rows, columns, formatters={"increase": money, "decrease": money, "applied": money, "balance": money,
                                 "doc_date": lambda d: d.isoformat() if d else ""})
if st_.gl_closing == st_.closing:
    st.success(tr("bill.statement_matches", balance=money(st_.gl_closing)), icon=":material/task_alt:")
else:
    st.warning(tr("bill.statement_differs", ledger=money(st_.gl_closing), closing=money(st_.closing)),
               icon=":material/warning:")
export_buttons(rows, columns, f"customer_statement_{st_.customer_code}_{date_to.isoformat()}", "cs_export")
