"""采购订单: the list with filters (supplier, status, progress, date, number) and its Excel export; one order with
its lines, progress, upstream/downstream documents, steps and the actions (submit for approval, confirm, send,
close, cancel: destructive ones confirmed first); 生成入库单 with the quantities left; edit a draft; a new order;
the print view."""

from __future__ import annotations

import streamlit as st

from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from erp_core.purchasing.print_view import order_html
from ui import purchasing_kit as kit
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.sections import section
from ui.settings_kit import done, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.purchasing.orders"))
help_link("purchasing", "orders")  # "?" to this page's part of the help centre
show_flash()
choices = run_action(pq.purchase_choices)
if choices is None:
    st.stop()
ORDER_STATUSES = ("draft", "submitted", "confirmed", "sent", "closed", "cancelled")
CALLS = {"submit": ps.submit_order, "reopen": ps.reopen_order, "confirm": ps.confirm_order, "send": ps.send_order,
         "close": ps.close_order, "cancel": ps.cancel_order}


def order_form(key: str, doc: dict | None = None) -> None:
    """New order (doc None) or the edit of a draft: header, then one row per line (blank product: skipped)."""
    lines = doc["lines"] if doc else []
    count = int(st.number_input(tr("purchasing.line_count"), min_value=1, max_value=50,
                                value=max(3, len(lines)), step=1, key=f"{key}_n"))
    with st.form(key):
        c1, c2, c3 = st.columns([3, 2, 2])
        sups = list(choices.suppliers)
        supplier = c1.selectbox(tr("field.purchasing.supplier"), sups, key=f"{key}_sup",
                                index=sups.index(doc["partner_id"]) if doc and doc["partner_id"] in sups else None,
                                format_func=lambda i: choices.suppliers[i])
        day = c2.date_input(tr("purchasing.col.doc_date"), value=doc["doc_date"] if doc else kit.today(),
                            key=f"{key}_date", disabled=doc is not None)
        delivery = c3.date_input(tr("purchasing.col.delivery_date"), value=doc["delivery_date"] if doc else None,
                                 key=f"{key}_delivery")
        c4, c5, c6 = st.columns([3, 3, 2])
        whs = list(choices.warehouses)
        warehouse = c4.selectbox(tr("field.purchasing.warehouse"), whs, key=f"{key}_wh",
                                 index=whs.index(doc["warehouse_id"]) if doc and doc["warehouse_id"] in whs else
                                 (0 if whs else None), format_func=lambda i: choices.warehouses[i])
        deps = [None, *choices.departments]
        department = c5.selectbox(tr("field.purchasing.department"), deps, key=f"{key}_dep",
                                  index=deps.index(doc["department_id"]) if doc and doc["department_id"] in deps
                                  else 0, format_func=lambda i: "" if i is None else choices.departments[i])
        incl = c6.checkbox(tr("purchasing.prices_include_vat"), value=bool(doc and doc["prices_include_vat"]),
                           key=f"{key}_incl")
        rows = []
        prods = [None, *choices.products]
        for i in range(count):
            ln = lines[i] if i < len(lines) else None
            a, b, c = st.columns([4, 2, 2])
            pid = a.selectbox(tr("purchasing.line_product", n=int(i + 1)), prods, key=f"{key}_p{i}",
                              index=prods.index(ln["product_id"]) if ln and ln["product_id"] in prods else 0,
                              format_func=lambda p: "" if p is None else choices.products[p])
            qty = b.text_input(tr("purchasing.line_qty", n=int(i + 1)), value=kit.num(ln["quantity"]) if ln else "",
                               key=f"{key}_q{i}")
            price = c.text_input(tr("purchasing.line_price", n=int(i + 1)), value=kit.num(ln["unit_price"]) if ln else "",
                                 key=f"{key}_pr{i}")
            if pid is not None:
                rows.append({"product_id": pid, "quantity": kit.dec(qty), "unit_price": kit.dec(price)})
        remarks = st.text_area(tr("purchasing.remarks"), value=doc["remarks"] if doc else "", max_chars=2000,
                               key=f"{key}_remarks")
        saved = st.form_submit_button(tr("purchasing.save"), type="primary", key=f"{key}_save")
    if not saved:
        return
    values = {"supplier_id": supplier, "lines": rows, "prices_include_vat": incl, "warehouse_id": warehouse,
              "delivery_date": delivery, "department_id": department, "remarks": remarks}
    if doc is None:
        new_id = run_action(ps.create_order, doc_date=day, **values)
        if new_id is not None:
            st.session_state[kit.OPEN_KEY] = ("purchase_order", new_id)
            succeed("purchasing.saved", forget=["pur_po_section"])
    elif done(ps.edit_order, order_id=doc["id"], version=doc["version"], **values):
        succeed("purchasing.saved")


chosen = section("pur_po_section", ("list", "new", "print"), "purchasing.section.", tr("nav.purchasing.orders"))

if chosen == "new":
    if actor.may("purchasing.order.create"):
        order_form("pur_po_new")
    else:
        st.info(tr("purchasing.no_right"))
    st.stop()

f = kit.filters("pur_po", choices.suppliers, ORDER_STATUSES, with_progress=True)
rows = run_action(pq.list_orders, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("purchasing.empty"))
    st.stop()
if chosen == "list":
    kit.list_table(rows, [("number", "purchasing.col.number"), ("doc_date", "purchasing.col.doc_date"),
                          ("supplier", "purchasing.col.supplier"), ("status", "purchasing.col.status"),
                          ("progress", "purchasing.col.progress"), ("delivery_date", "purchasing.col.delivery_date"),
                          ("tax_total", "purchasing.col.tax_total"), ("total", "purchasing.col.total_vat")],
                   "purchase_orders", "pur_po_export")
picked = kit.pick(rows, "pur_po_pick", "purchase_order")
if picked is None:
    st.stop()
doc = run_action(pq.get_order, order_id=picked)
if doc is None:
    st.stop()
if chosen == "print":
    st.caption(tr("purchasing.print_hint"))
    st.html(order_html(doc, locale()))
    st.stop()

kit.header(doc, [(tr("purchasing.col.progress"), kit.progress_label(doc["progress"])),
                 (tr("purchasing.col.tax_total"), kit.num(doc["tax_total"], 2)),
                 (tr("purchasing.prices_include_vat"), tr("settings.yes") if doc["prices_include_vat"]
                  else tr("settings.no"))])
table(doc["lines"], [("line_no", "purchasing.col.line_no"), ("product", "purchasing.col.product"),
                     ("warehouse", "purchasing.col.warehouse"), ("quantity", "purchasing.col.quantity"),
                     ("unit_price", "purchasing.col.unit_price"), ("tax_rate", "purchasing.col.tax_rate"),
                     ("net_amount", "purchasing.col.net_amount"), ("tax_amount", "purchasing.col.tax_amount"),
                     ("gross_amount", "purchasing.col.gross_amount"), ("received_qty", "purchasing.col.received"),
                     ("returned_qty", "purchasing.col.returned"), ("invoiced_qty", "purchasing.col.invoiced")],
      {k: kit.num for k in ("quantity", "unit_price", "received_qty", "returned_qty", "invoiced_qty")} |
      {k: (lambda v: kit.num(v, 2)) for k in ("net_amount", "tax_amount", "gross_amount")} |
      {"tax_rate": lambda v: f"{kit.num(v * 100)}%"})
kit.actions(actor, doc, "purchasing.order", CALLS, "order_id", "pur_po_act")
if doc["status"] in ("confirmed", "sent") and actor.may("purchasing.receipt.create") and \
        st.button(tr("purchasing.make_receipt"), key="pur_po_make_receipt"):
    st.session_state["pur_rc_from_order"] = (doc["partner_id"], doc["id"])
    st.switch_page("pages/purchasing/receipts.py")
kit.links(doc)
with st.expander(tr("purchasing.history")):
    kit.steps(doc)
if doc["status"] == "draft" and actor.may("purchasing.order.edit"):
    with st.expander(tr("purchasing.edit_draft")):
        st.caption(md("purchasing.edit_hint", number=doc["number"]))
        order_form(f"pur_po_edit_{doc['id']}_{doc['version']}", doc)
