"""供应商对账单: for one supplier and a period, the opening balance, each invoice, return, payment and prepayment
application, the closing balance, and the ledger's balance of the payable and prepayment accounts for the
supplier beside it (a difference is shown as a warning). Downloads for printing or sending (CSV/XLSX)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.settlement import queries as q
from erp_core.settlement.print_view import statement_html
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.payables.statement"))
help_link("payables", "statement")  # "?" to this page's part of the help centre
loc = locale()
suppliers = run_action(q.payables_choices)
if suppliers is None:
    st.stop()
if not suppliers:
    st.info(tr("pay.no_suppliers"))
    st.stop()
today = dt.date.today()
with st.form("ps_filters"):
    c1, c2, c3 = st.columns([3, 2, 2])
    partner = c1.selectbox(tr("field.settlement.supplier"), list(suppliers), key="ps_sup", format_func=suppliers.get)
    date_from = c2.date_input(tr("pay.date_from"), value=today.replace(day=1), key="ps_from")
    date_to = c3.date_input(tr("pay.date_to"), value=today, key="ps_to")
    st.form_submit_button(tr("pay.run"), type="primary", icon=":material/play_arrow:")

st_ = run_action(q.supplier_statement, partner_id=partner, date_from=date_from, date_to=date_to)
if st_ is None:
    st.stop()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


zh = loc.startswith("zh")
st.subheader(md("pay.statement_head", supplier=f"{st_.supplier_code} {st_.supplier_name}",
                date_from=date_from.isoformat(), date_to=date_to.isoformat()))
rows = [{"doc_date": None, "doc_type": tr("pay.opening"), "number": "", "remarks": "", "increase": None,
         "decrease": None, "applied": None, "balance": st_.opening}]
rows += [{**r, "doc_type": r["doc_type_zh"] if zh else r["doc_type_en"]} for r in st_.rows]
rows.append({"doc_date": None, "doc_type": tr("pay.closing"), "number": "", "remarks": "", "increase": st_.increase,
             "decrease": st_.decrease, "applied": None, "balance": st_.closing})
columns = [("doc_date", "pay.col.doc_date"), ("doc_type", "pay.col.doc_type"), ("number", "pay.col.number"),
           ("remarks", "pay.col.remarks"), ("increase", "pay.col.increase"), ("decrease", "pay.col.decrease"),
           ("applied", "pay.col.applied"), ("balance", "pay.col.balance")]
table(rows, columns, formatters={"increase": money, "decrease": money, "applied": money, "balance": money,
                                 "doc_date": lambda d: d.isoformat() if d else ""})
if st_.gl_closing == st_.closing:
    st.success(tr("pay.statement_matches", balance=money(st_.gl_closing)), icon=":material/task_alt:")
else:
    st.warning(tr("pay.statement_differs", ledger=money(st_.gl_closing), closing=money(st_.closing)),
               icon=":material/warning:")
export_buttons(rows, columns, f"statement_{st_.supplier_code}_{date_from.isoformat()}_{date_to.isoformat()}",
               "ps_export")
with st.expander(tr("pay.print"), icon=":material/print:"):
    st.caption(tr("pay.print_hint"))
    page = statement_html(st_, loc)
    st.html(page)
    st.download_button(tr("pay.print_download"), page.encode("utf-8"), key="ps_html", mime="text/html",
                       file_name=f"statement_{st_.supplier_code}_{date_to.isoformat()}.html",
                       icon=":material/download:")
