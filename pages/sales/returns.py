"""销售退货单 (red delivery): the list with filters and its export; one return with its lines (back at the
delivery's cost), links, steps and the actions (post, cancel); a new return against one customer's posted
delivery lines with the reason."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from ui import sales_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.returns"))
show_flash()
choices = run_action(sq.sales_choices)
if choices is None:
    st.stop()
STATUSES = ("draft", "posted", "reversed", "cancelled")
CALLS = {"post": ss.post_return, "cancel": ss.cancel_return}


def return_form(key: str) -> None:
    cus = list(choices.customers)
    customer = st.selectbox(tr("field.sales.customer"), cus, key=f"{key}_cus", index=None,
                            format_func=lambda i: choices.customers[i])
    if customer is None:
        return
    open_lines = run_action(sq.returnable_lines, customer_id=customer)
    if not open_lines:
        st.info(tr("sales.nothing_to_return"))
        return
    qtys = []
    for r in open_lines:
        a, b = st.columns([6, 2])
        a.markdown(f"{md_escape(r['delivery'])} #{int(r['line_no'])} · {md_escape(r['product'])} · {tr('sales.col.returnable')} "
                   f"{md_escape(kit.num(r['returnable']))}")
        qtys.append(b.text_input(tr("sales.col.quantity"), key=f"{key}_q{r['delivery_line_id']}",
                                 label_visibility="collapsed"))
    c1, c2 = st.columns([2, 6])
    day = c1.date_input(tr("sales.col.doc_date"), value=kit.today(), key=f"{key}_date")
    reason = c2.text_input(tr("field.sales.return_reason"), key=f"{key}_reason")
    if not st.button(tr("sales.save"), type="primary", key=f"{key}_save"):
        return
    lines = [{"delivery_line_id": r["delivery_line_id"], "quantity": kit.dec(q)}
             for r, q in zip(open_lines, qtys, strict=True) if str(q).strip() and kit.dec(q) != Decimal(0)]
    new_id = run_action(ss.create_return, doc_date=day, lines=lines, reason=reason)
    if new_id is not None:
        st.session_state[kit.OPEN_KEY] = ("sales_return", new_id)
        succeed("sales.saved", forget=["sales_sr_section"])


chosen = section("sales_sr_section", ("list", "new"), "sales.section.", tr("nav.sales.returns"))
if chosen == "new":
    if actor.may("sales.return.create"):
        return_form("sales_sr_new")
    else:
        st.info(tr("sales.no_right"))
    st.stop()

f = kit.filters("sales_sr", choices.customers, STATUSES)
rows = run_action(sq.list_returns, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("sales.empty"))
    st.stop()
kit.list_table(rows, [("number", "sales.col.number"), ("doc_date", "sales.col.doc_date"),
                      ("customer", "sales.col.customer"), ("status", "sales.col.status"),
                      ("reason", "field.sales.return_reason"), ("total", "sales.col.total_vat"),
                      ("cost_total", "sales.col.cost_total")], "sales_returns", "sales_sr_export")
picked = kit.pick(rows, "sales_sr_pick", "sales_return")
if picked is None:
    st.stop()
doc = run_action(sq.get_return, return_id=picked)
if doc is None:
    st.stop()
kit.header(doc, [(tr("field.sales.return_reason"), doc["reason"]),
                 (tr("sales.col.cost_total"), kit.num(doc["cost_total"], 2))])
table(doc["lines"], [("line_no", "sales.col.line_no"), ("product", "sales.col.product"),
                     ("warehouse", "sales.col.warehouse"), ("quantity", "sales.col.quantity"),
                     ("gross_amount", "sales.col.gross_amount"), ("cost_price", "sales.col.cost_price"),
                     ("cost_amount", "sales.col.cost_amount")],
      kit.qty_formats("quantity", "cost_price", money=("gross_amount", "cost_amount")))
kit.actions(actor, doc, "sales.return", CALLS, "return_id", "sales_sr_act")
kit.links(doc)
with st.expander(tr("sales.history")):
    kit.steps(doc)
