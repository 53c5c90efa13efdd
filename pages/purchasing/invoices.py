"""采购发票: the list with filters and its Excel export; one invoice with its lines, the three-way match (order /
receipt / invoice quantity and price, with the variances), upstream receipts and orders, steps and the actions
(post, cancel, reverse: confirmed first); a new invoice against one supplier's posted receipts with the quantities
left to invoice and the receipt prices prefilled (生成发票 from a receipt lands here). An invoice that arrives
before its goods waits for their receipt: invoices match received quantities only."""

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
from ui.settings_kit import done, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.purchasing.invoices"))
help_link("purchasing", "invoices")  # "?" to this page's part of the help centre
show_flash()
choices = run_action(pq.purchase_choices)
if choices is None:
    st.stop()
CALLS = {"post": ps.post_invoice, "cancel": ps.cancel_invoice, "reverse": ps.reverse_invoice}


def invoice_form(key: str, supplier_id: int | None, receipt_id: int | None) -> None:
    sups = list(choices.suppliers)
    supplier = st.selectbox(tr("field.purchasing.supplier"), sups, key=f"{key}_sup",
                            index=sups.index(supplier_id) if supplier_id in sups else None,
                            format_func=lambda i: choices.suppliers[i])
    if supplier is None:
        st.info(tr("purchasing.pick_supplier"))
        return
    left = run_action(pq.lines_to_invoice, supplier_id=supplier, receipt_id=receipt_id)
    if not left:
        st.info(tr("purchasing.nothing_to_invoice"))
        return
    with st.form(key):
        c1, c2, c3 = st.columns([2, 3, 3])
        day = c1.date_input(tr("purchasing.col.doc_date"), value=kit.today(), key=f"{key}_date")
        invoice_no = c2.text_input(tr("field.purchasing.invoice_no"), max_chars=40, key=f"{key}_no")
        vat_kind = c3.selectbox(tr("field.purchasing.vat_kind"), ("special", "ordinary"), key=f"{key}_kind",
                                format_func=lambda v: tr(f"purchasing.vat_kind.{v}"))
        lines = []
        for i, r in enumerate(left):
            st.caption(md("purchasing.invoice_line", receipt=r["receipt_number"], line=r["line_no"],
                          product=r["product"], received=kit.num(r["received_qty"]),
                          invoiced=kit.num(r["invoiced_qty"]), price=kit.num(r["unit_price"])))
            a, b, c = st.columns([2, 2, 2])
            qty = a.text_input(tr("purchasing.line_qty", n=int(i + 1)), value=kit.num(r["quantity"]), key=f"{key}_q{i}")
            price = b.text_input(tr("purchasing.line_price_net", n=int(i + 1)), value=kit.num(r["unit_price"]),
                                 key=f"{key}_p{i}")
            tax = c.text_input(tr("purchasing.line_tax", n=int(i + 1)), key=f"{key}_t{i}",
                               placeholder=tr("purchasing.tax_auto"))
            if str(qty).strip() not in ("", "0"):
                lines.append({"receipt_line_id": r["receipt_line_id"], "quantity": kit.dec(qty),
                              "unit_price": kit.dec(price), "tax_amount": kit.dec(tax) if tax.strip() else None})
        remarks = st.text_area(tr("purchasing.remarks"), max_chars=2000, key=f"{key}_remarks")
        saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
    if saved:
        new_id = run_action(ps.create_invoice, doc_date=day, lines=lines, invoice_no=invoice_no, vat_kind=vat_kind,
                            remarks=remarks)
        if new_id is not None:
            st.session_state[kit.OPEN_KEY] = ("purchase_invoice", new_id)
            succeed("purchasing.saved", forget=["pur_iv_section", "pur_iv_from_receipt"])


kit.new_or_list(actor, prefix="pur_iv", from_key="pur_iv_from_receipt",
                right="purchasing.invoice.create", make_title="purchasing.make_invoice",
                nav_title="nav.purchasing.invoices", form=invoice_form, hint="purchasing.invoice_hint")

f = kit.filters("pur_iv", choices.suppliers, ("draft", "posted", "reversed", "cancelled"))
rows = run_action(pq.list_invoices, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("purchasing.empty"))
    st.stop()
kit.list_table(rows, [("number", "purchasing.col.number"), ("invoice_no", "field.purchasing.invoice_no"),
                      ("doc_date", "purchasing.col.doc_date"), ("supplier", "purchasing.col.supplier"),
                      ("vat_kind", "field.purchasing.vat_kind"), ("status", "purchasing.col.status"),
                      ("red", "purchasing.col.red"), ("tax_total", "purchasing.col.tax_total"),
                      ("total", "purchasing.col.total_vat")], "purchase_invoices", "pur_iv_export")
picked = kit.pick(rows, "pur_iv_pick", "purchase_invoice")
doc = run_action(pq.get_invoice, invoice_id=picked) if picked is not None else None
if doc is None:
    st.stop()
kit.header(doc, [(tr("field.purchasing.invoice_no"), doc["invoice_no"]),
                 (tr("field.purchasing.vat_kind"), tr(f"purchasing.vat_kind.{doc['vat_kind']}")),
                 (tr("purchasing.col.tax_total"), kit.num(doc["tax_total"], 2))])
table(doc["lines"], [("line_no", "purchasing.col.line_no"), ("product", "purchasing.col.product"),
                     ("quantity", "purchasing.col.quantity"), ("unit_price", "purchasing.col.unit_price"),
                     ("amount", "purchasing.col.net_amount"), ("tax_rate", "purchasing.col.tax_rate"),
                     ("tax_amount", "purchasing.col.tax_amount"), ("gross_amount", "purchasing.col.gross_amount")],
      {k: kit.num for k in ("quantity", "unit_price")} |
      {k: (lambda v: kit.num(v, 2)) for k in ("amount", "tax_amount", "gross_amount")} |
      {"tax_rate": lambda v: f"{kit.num(v * 100)}%"})
st.markdown(f"**{tr('purchasing.three_way')}**")
match = run_action(pq.three_way_match, invoice_id=doc["id"]) or []
table(match, [("line_no", "purchasing.col.line_no"), ("product", "purchasing.col.product"),
              ("order_number", "purchasing.col.order"), ("order_qty", "purchasing.col.order_qty"),
              ("order_price", "purchasing.col.order_price"), ("receipt_number", "purchasing.col.receipt"),
              ("receipt_qty", "purchasing.col.receipt_qty"), ("receipt_price", "purchasing.col.receipt_price"),
              ("invoice_qty", "purchasing.col.invoice_qty"), ("invoice_price", "purchasing.col.invoice_price"),
              ("qty_variance", "purchasing.col.qty_variance"), ("price_variance", "purchasing.col.price_variance"),
              ("amount_variance", "purchasing.col.amount_variance")],
      {k: kit.num for k in ("order_qty", "order_price", "receipt_qty", "receipt_price", "invoice_qty",
                            "invoice_price", "qty_variance", "price_variance")} |
      {"amount_variance": lambda v: kit.num(v, 2)})
kit.actions(actor, doc, "purchasing.invoice", CALLS, "invoice_id", "pur_iv_act")
kit.links(doc)
with st.expander(tr("purchasing.history")):
    kit.steps(doc)
if doc["status"] == "draft" and actor.may("purchasing.invoice.edit"):
    with st.expander(tr("purchasing.edit_draft")):
        key = f"pur_iv_edit_{doc['id']}_{doc['version']}"
        with st.form(key):
            c1, c2 = st.columns(2)
            invoice_no = c1.text_input(tr("field.purchasing.invoice_no"), value=doc["invoice_no"], max_chars=40,
                                       key=f"{key}_no")
            kinds = ("special", "ordinary")
            vat_kind = c2.selectbox(tr("field.purchasing.vat_kind"), kinds, index=kinds.index(doc["vat_kind"]),
                                    key=f"{key}_kind", format_func=lambda v: tr(f"purchasing.vat_kind.{v}"))
            lines = []
            for i, ln in enumerate(doc["lines"]):
                st.caption(md("purchasing.edit_line", line=ln["line_no"], product=ln["product"]))
                a, b, c = st.columns(3)
                qty = a.text_input(tr("purchasing.line_qty", n=int(i + 1)), value=kit.num(ln["quantity"]),
                                   key=f"{key}_q{i}")
                price = b.text_input(tr("purchasing.line_price_net", n=int(i + 1)), value=kit.num(ln["unit_price"]),
                                     key=f"{key}_p{i}")
                tax = c.text_input(tr("purchasing.line_tax", n=int(i + 1)), value=kit.num(ln["tax_amount"], 2),
                                   key=f"{key}_t{i}")
                if str(qty).strip() not in ("", "0"):
                    lines.append({"receipt_line_id": ln["receipt_line_id"], "quantity": kit.dec(qty),
                                  "unit_price": kit.dec(price), "tax_rate": ln["tax_rate"],
                                  "tax_amount": kit.dec(tax) if tax.strip() else None})
            remarks = st.text_area(tr("purchasing.remarks"), value=doc["remarks"], max_chars=2000,
                                   key=f"{key}_remarks")
            saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
        if saved and done(ps.edit_invoice, invoice_id=doc["id"], version=doc["version"], lines=lines,
                          invoice_no=invoice_no, vat_kind=vat_kind, department_id=doc["department_id"],
                          remarks=remarks):
            succeed("purchasing.saved")
