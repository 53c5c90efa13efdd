"""采购入库单: the list with filters and its Excel export; one receipt with its lines (order line, discrepancy and
reason), upstream orders / downstream invoices and returns, steps and the actions (post, cancel, reverse: confirmed
first); 生成发票 / 生成退货 with the quantities left; a new receipt against one supplier's confirmed orders with
the quantities left to receive prefilled (生成下游单据 from an order lands here)."""

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
st.title(tr("nav.purchasing.receipts"))
help_link("purchasing", "receipts")  # "?" to this page's part of the help centre
show_flash()
choices = run_action(pq.purchase_choices)
if choices is None:
    st.stop()
CALLS = {"post": ps.post_receipt, "cancel": ps.cancel_receipt, "reverse": ps.reverse_receipt}
DISCREPANCIES = ("", "short", "over", "damaged")


def receipt_form(key: str, supplier_id: int | None, order_id: int | None) -> None:
    sups = list(choices.suppliers)
    supplier = st.selectbox(tr("field.purchasing.supplier"), sups, key=f"{key}_sup",
                            index=sups.index(supplier_id) if supplier_id in sups else None,
                            format_func=lambda i: choices.suppliers[i])
    if supplier is None:
        st.info(tr("purchasing.pick_supplier"))
        return
    left = run_action(pq.lines_to_receive, supplier_id=supplier, order_id=order_id)
    if not left:
        st.info(tr("purchasing.nothing_to_receive"))
        return
    with st.form(key):
        c1, c2, c3 = st.columns([2, 3, 3])
        day = c1.date_input(tr("purchasing.col.doc_date"), value=kit.today(), key=f"{key}_date")
        whs = [None, *choices.warehouses]
        warehouse = c2.selectbox(tr("purchasing.receipt_warehouse"), whs, key=f"{key}_wh",
                                 format_func=lambda i: tr("purchasing.as_ordered") if i is None
                                 else choices.warehouses[i])
        deps = [None, *choices.departments]
        department = c3.selectbox(tr("field.purchasing.department"), deps, key=f"{key}_dep",
                                  format_func=lambda i: "" if i is None else choices.departments[i])
        lines = []
        for i, r in enumerate(left):
            st.caption(md("purchasing.receive_line", order=r["order_number"], line=r["line_no"],
                          product=r["product"], ordered=kit.num(r["ordered_qty"]),
                          received=kit.num(r["received_qty"])))
            a, b, c = st.columns([2, 2, 4])
            qty = a.text_input(tr("purchasing.line_qty", n=int(i + 1)), value=kit.num(r["quantity"]), key=f"{key}_q{i}")
            disc = b.selectbox(tr("field.purchasing.discrepancy"), DISCREPANCIES, key=f"{key}_d{i}",
                               format_func=lambda d: tr(f"purchasing.discrepancy.{d or 'none'}"))
            reason = c.text_input(tr("field.purchasing.discrepancy_reason"), key=f"{key}_r{i}", max_chars=200)
            if str(qty).strip() not in ("", "0"):
                lines.append({"order_line_id": r["order_line_id"], "quantity": kit.dec(qty), "discrepancy": disc,
                              "discrepancy_reason": reason})
        remarks = st.text_area(tr("purchasing.remarks"), max_chars=2000, key=f"{key}_remarks")
        saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
    if saved:
        new_id = run_action(ps.create_receipt, doc_date=day, lines=lines, warehouse_id=warehouse,
                            department_id=department, remarks=remarks)
        if new_id is not None:
            st.session_state[kit.OPEN_KEY] = ("purchase_receipt", new_id)
            succeed("purchasing.saved", forget=["pur_rc_section", "pur_rc_from_order"])


kit.new_or_list(actor, prefix="pur_rc", from_key="pur_rc_from_order",
                right="purchasing.receipt.create", make_title="purchasing.make_receipt",
                nav_title="nav.purchasing.receipts", form=receipt_form)

f = kit.filters("pur_rc", choices.suppliers, ("draft", "posted", "reversed", "cancelled"))
rows = run_action(pq.list_receipts, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("purchasing.empty"))
    st.stop()
kit.list_table(rows, [("number", "purchasing.col.number"), ("doc_date", "purchasing.col.doc_date"),
                      ("supplier", "purchasing.col.supplier"), ("status", "purchasing.col.status"),
                      ("red", "purchasing.col.red"), ("total", "purchasing.col.total_net")],
               "purchase_receipts", "pur_rc_export")
picked = kit.pick(rows, "pur_rc_pick", "purchase_receipt")
doc = run_action(pq.get_receipt, receipt_id=picked) if picked is not None else None
if doc is None:
    st.stop()
kit.header(doc)
table(doc["lines"], [("line_no", "purchasing.col.line_no"), ("product", "purchasing.col.product"),
                     ("warehouse", "purchasing.col.warehouse"), ("quantity", "purchasing.col.quantity"),
                     ("unit_price", "purchasing.col.unit_cost"), ("amount", "purchasing.col.amount"),
                     ("discrepancy", "field.purchasing.discrepancy"),
                     ("discrepancy_reason", "field.purchasing.discrepancy_reason"),
                     ("invoiced_qty", "purchasing.col.invoiced"), ("returned_qty", "purchasing.col.returned")],
      {k: kit.num for k in ("quantity", "unit_price", "invoiced_qty", "returned_qty")} |
      {"amount": lambda v: kit.num(v, 2),
       "discrepancy": lambda d: tr(f"purchasing.discrepancy.{d}") if d else ""})
kit.actions(actor, doc, "purchasing.receipt", CALLS, "receipt_id", "pur_rc_act")
if doc["status"] == "posted" and not doc["reverses_id"]:
    c1, c2, _ = st.columns([1, 1, 3])
    if actor.may("purchasing.invoice.create") and c1.button(tr("purchasing.make_invoice"), key="pur_rc_make_inv"):
        st.session_state["pur_iv_from_receipt"] = (doc["partner_id"], doc["id"])
        st.switch_page("pages/purchasing/invoices.py")
    if actor.may("purchasing.return.create") and c2.button(tr("purchasing.make_return"), key="pur_rc_make_ret"):
        st.session_state["pur_rt_from_receipt"] = (doc["partner_id"], doc["id"])
        st.switch_page("pages/purchasing/returns.py")
kit.links(doc)
with st.expander(tr("purchasing.history")):
    kit.steps(doc)
if doc["status"] == "draft" and actor.may("purchasing.receipt.edit"):
    with st.expander(tr("purchasing.edit_draft")):
        key = f"pur_rc_edit_{doc['id']}_{doc['version']}"
        with st.form(key):
            lines = []
            for i, ln in enumerate(doc["lines"]):
                st.caption(md("purchasing.edit_line", line=ln["line_no"], product=ln["product"]))
                a, b, c = st.columns([2, 2, 4])
                qty = a.text_input(tr("purchasing.line_qty", n=int(i + 1)), value=kit.num(ln["quantity"]),
                                   key=f"{key}_q{i}")
                disc = b.selectbox(tr("field.purchasing.discrepancy"), DISCREPANCIES, key=f"{key}_d{i}",
                                   index=DISCREPANCIES.index(ln["discrepancy"] or ""),
                                   format_func=lambda d: tr(f"purchasing.discrepancy.{d or 'none'}"))
                reason = c.text_input(tr("field.purchasing.discrepancy_reason"), value=ln["discrepancy_reason"],
                                      key=f"{key}_r{i}", max_chars=200)
                if str(qty).strip() not in ("", "0"):
                    lines.append({"order_line_id": ln["order_line_id"], "quantity": kit.dec(qty),
                                  "warehouse_id": ln["warehouse_id"], "discrepancy": disc,
                                  "discrepancy_reason": reason})
            remarks = st.text_area(tr("purchasing.remarks"), value=doc["remarks"], max_chars=2000,
                                   key=f"{key}_remarks")
            saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
        if saved and done(ps.edit_receipt, receipt_id=doc["id"], version=doc["version"], lines=lines,
                          warehouse_id=doc["warehouse_id"], department_id=doc["department_id"], remarks=remarks):
            succeed("purchasing.saved")
