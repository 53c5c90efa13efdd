"""采购退货单: the list with filters and its Excel export; one return with its lines, upstream receipts and orders,
steps and the actions (post, cancel: confirmed first); a new return against one supplier's posted receipts with the
quantities still returnable prefilled (生成退货 from a receipt lands here). Goods already invoiced also need a red
invoice (红字发票) from the supplier: the return says so."""

from __future__ import annotations

import streamlit as st

from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from ui import purchasing_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.settings_kit import show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.purchasing.returns"))
help_link("purchasing", "returns")  # "?" to this page's part of the help centre
show_flash()
choices = run_action(pq.purchase_choices)
if choices is None:
    st.stop()
CALLS = {"post": ps.post_return, "cancel": ps.cancel_return}


def return_form(key: str, supplier_id: int | None, receipt_id: int | None) -> None:
    sups = list(choices.suppliers)
    supplier = st.selectbox(tr("field.purchasing.supplier"), sups, key=f"{key}_sup",
                            index=sups.index(supplier_id) if supplier_id in sups else None,
                            format_func=lambda i: choices.suppliers[i])
    if supplier is None:
        st.info(tr("purchasing.pick_supplier"))
        return
    left = run_action(pq.lines_to_return, supplier_id=supplier, receipt_id=receipt_id)
    if not left:
        st.info(tr("purchasing.nothing_to_return"))
        return
    with st.form(key):
        day = st.date_input(tr("purchasing.col.doc_date"), value=kit.today(), key=f"{key}_date")
        lines = []
        for i, r in enumerate(left):
            st.caption(md("purchasing.return_line", receipt=r["receipt_number"], line=r["line_no"],
                          product=r["product"], received=kit.num(r["received_qty"]),
                          invoiced=kit.num(r["invoiced_qty"]), returned=kit.num(r["returned_qty"])))
            a, b = st.columns([2, 4])
            qty = a.text_input(tr("purchasing.line_qty", n=int(i + 1)), value="", key=f"{key}_q{i}")
            note = b.text_input(tr("purchasing.return_reason"), key=f"{key}_n{i}", max_chars=200)
            if str(qty).strip() not in ("", "0"):
                lines.append({"receipt_line_id": r["receipt_line_id"], "quantity": kit.dec(qty), "remarks": note})
        remarks = st.text_area(tr("purchasing.remarks"), max_chars=2000, key=f"{key}_remarks")
        saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
    if saved:
        new_id = run_action(ps.create_return, doc_date=day, lines=lines, remarks=remarks)
        if new_id is not None:
            st.session_state[kit.OPEN_KEY] = ("purchase_return", new_id)
            succeed("purchasing.saved", forget=["pur_rt_section", "pur_rt_from_receipt"])


kit.new_or_list(actor, prefix="pur_rt", from_key="pur_rt_from_receipt",
                right="purchasing.return.create", make_title="purchasing.make_return",
                nav_title="nav.purchasing.returns", form=return_form, hint="purchasing.return_hint")

f = kit.filters("pur_rt", choices.suppliers, ("draft", "posted", "reversed", "cancelled"))
rows = run_action(pq.list_returns, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("purchasing.empty"))
    st.stop()
kit.list_table(rows, [("number", "purchasing.col.number"), ("doc_date", "purchasing.col.doc_date"),
                      ("supplier", "purchasing.col.supplier"), ("status", "purchasing.col.status"),
                      ("total", "purchasing.col.total_net")], "purchase_returns", "pur_rt_export")
picked = kit.pick(rows, "pur_rt_pick", "purchase_return")
doc = run_action(pq.get_return, return_id=picked) if picked is not None else None
if doc is None:
    st.stop()
kit.header(doc)
table(doc["lines"], [("line_no", "purchasing.col.line_no"), ("product", "purchasing.col.product"),
                     ("quantity", "purchasing.col.quantity"), ("unit_price", "purchasing.col.unit_cost"),
                     ("amount", "purchasing.col.amount"), ("remarks", "purchasing.return_reason")],
      {k: kit.num for k in ("quantity", "unit_price")} | {"amount": lambda v: kit.num(v, 2)})
kit.actions(actor, doc, "purchasing.return", CALLS, "return_id", "pur_rt_act")
if doc["status"] == "posted" and actor.may("purchasing.invoice.create"):
    red = run_action(pq.red_invoice_lines, return_id=doc["id"]) or []
    if red:
        st.warning(tr("purchasing.red_needed"), icon=":material/receipt_long:")
        if st.button(tr("purchasing.make_red_invoice"), key=f"pur_rt_red_{doc['id']}"):
            new_id = run_action(ps.create_invoice, doc_date=kit.today(), red=True, return_id=doc["id"],
                                remarks=doc["number"], lines=[
                                    {"receipt_line_id": r["receipt_line_id"], "quantity": r["quantity"],
                                     "unit_price": r["unit_price"], "tax_rate": r["tax_rate"]} for r in red])
            if new_id is not None:
                st.session_state[kit.OPEN_KEY] = ("purchase_invoice", new_id)
                st.switch_page("pages/purchasing/invoices.py")
kit.links(doc)
with st.expander(tr("purchasing.history")):
    kit.steps(doc)
