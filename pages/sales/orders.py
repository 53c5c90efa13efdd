"""销售订单: the list with filters (customer, status, progress, date, number) and its Excel export; one order with
its lines and fulfilment view (ordered / reserved / delivered / returned / invoiced per line), upstream and
downstream documents, steps and the actions (submit for approval, confirm: credit check and reservation, close,
cancel); 生成发货单; edit a draft; a new order showing the available stock (on hand - reserved) of each product
while it is entered; the print view."""

from __future__ import annotations

import streamlit as st

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from erp_core.sales.print_view import order_html
from ui import sales_kit as kit
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.feedback import SaveButton
from ui.i18n import tr
from ui.safe import md
from ui.sections import section
from ui.settings_kit import show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.orders"))
show_flash()
choices = run_action(sq.sales_choices)
if choices is None:
    st.stop()
ORDER_STATUSES = ("draft", "submitted", "confirmed", "closed", "cancelled")
CALLS = {"submit": ss.submit_order, "reopen": ss.reopen_order, "confirm": ss.confirm_order,
         "close": ss.close_order, "cancel": ss.cancel_order}


def order_form(key: str, doc: dict | None = None) -> None:
    """New order (doc None) or the edit of a draft. Plain widgets (no st.form) so the available stock of the
    chosen products updates as they are picked. A blank price takes the price list's (less the discount)."""
    lines = doc["lines"] if doc else []
    count = int(st.number_input(tr("sales.line_count"), min_value=1, max_value=50, value=max(3, len(lines)),
                                step=1, key=f"{key}_n"))
    c1, c2, c3 = st.columns([3, 2, 2])
    cus = list(choices.customers)
    customer = c1.selectbox(tr("field.sales.customer"), cus, key=f"{key}_cus", disabled=doc is not None,
                            index=cus.index(doc["partner_id"]) if doc and doc["partner_id"] in cus else None,
                            format_func=lambda i: choices.customers[i])
    day = c2.date_input(tr("sales.col.doc_date"), value=doc["doc_date"] if doc else kit.today(), key=f"{key}_date",
                        disabled=doc is not None)
    delivery = c3.date_input(tr("sales.col.delivery_date"), value=doc["delivery_date"] if doc else None,
                             key=f"{key}_delivery")
    c4, c5 = st.columns([3, 2])
    whs = list(choices.warehouses)
    warehouse = c4.selectbox(tr("field.sales.warehouse"), whs, key=f"{key}_wh",
                             index=whs.index(doc["warehouse_id"]) if doc and doc["warehouse_id"] in whs else
                             (0 if whs else None), format_func=lambda i: choices.warehouses[i])
    incl = c5.checkbox(tr("sales.prices_include_vat"), value=bool(doc["prices_include_vat"]) if doc else True,
                       key=f"{key}_incl")
    c6, c7, c8 = st.columns([2, 2, 4])
    consignee = c6.text_input(tr("sales.consignee"), value=doc["consignee"] if doc else "", key=f"{key}_cons")
    phone = c7.text_input(tr("sales.consignee_phone"), value=doc["consignee_phone"] if doc else "",
                          key=f"{key}_phone")
    address = c8.text_input(tr("sales.ship_address"), value=doc["ship_address"] if doc else "", key=f"{key}_addr")
    rows = []
    prods = [None, *choices.products]
    for i in range(count):
        ln = lines[i] if i < len(lines) else None
        a, b, c, d = st.columns([4, 2, 2, 1])
        pid = a.selectbox(tr("sales.line_product", n=int(i + 1)), prods, key=f"{key}_p{i}",
                          index=prods.index(ln["product_id"]) if ln and ln["product_id"] in prods else 0,
                          format_func=lambda p: "" if p is None else choices.products[p])
        qty = b.text_input(tr("sales.line_qty", n=int(i + 1)), value=kit.num(ln["quantity"]) if ln else "",
                           key=f"{key}_q{i}")
        price = c.text_input(tr("sales.line_price", n=int(i + 1)), value=kit.num(ln["unit_price"]) if ln else "",
                             key=f"{key}_pr{i}", placeholder=tr("sales.price_from_list"))
        disc = d.text_input(tr("field.sales.discount_pct"), value=kit.num(ln["discount_pct"]) if ln else "",
                            key=f"{key}_d{i}")
        if pid is not None:
            row = {"product_id": pid, "quantity": kit.dec(qty), "discount_pct": kit.dec(disc) or 0}
            if str(price).strip():
                row["unit_price"] = kit.dec(price)
            rows.append(row)
    if warehouse is not None and rows:
        avail = run_action(sq.available_stock, warehouse_id=warehouse,
                           product_ids=list(dict.fromkeys(r["product_id"] for r in rows)),
                           exclude_order_id=doc["id"] if doc else None)
        if avail:
            st.caption(tr("sales.availability_hint"))
            table([{"product": choices.products.get(p, ""), **v} for p, v in avail.items()],
                  [("product", "sales.col.product"), ("on_hand", "sales.col.on_hand"),
                   ("reserved", "sales.col.reserved"), ("available", "sales.col.available")],
                  kit.qty_formats("on_hand", "reserved", "available"))
    remarks = st.text_area(tr("sales.remarks"), value=doc["remarks"] if doc else "", max_chars=2000,
                           key=f"{key}_remarks")
    saved = SaveButton(key)  # a refusal shows just above it (ui/feedback.py)
    if not saved:
        return
    values = {"lines": rows, "prices_include_vat": incl, "warehouse_id": warehouse, "delivery_date": delivery,
              "consignee": consignee, "consignee_phone": phone, "ship_address": address, "remarks": remarks}
    if doc is None:
        new_id = saved.run(ss.create_order, customer_id=customer, doc_date=day, **values)
        if new_id is not None:
            st.session_state[kit.OPEN_KEY] = ("sales_order", new_id)
            succeed("sales.saved", forget=["sales_so_section"])
    elif saved.done(ss.edit_order, order_id=doc["id"], version=doc["version"], **values):
        succeed("sales.saved")


chosen = section("sales_so_section", ("list", "new", "print"), "sales.section.", tr("nav.sales.orders"))

if chosen == "new":
    if actor.may("sales.order.create"):
        order_form("sales_so_new")
    else:
        st.info(tr("sales.no_right"))
    st.stop()

f = kit.filters("sales_so", choices.customers, ORDER_STATUSES, with_progress=True)
rows = run_action(sq.list_orders, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("sales.empty"))
    st.stop()
if chosen == "list":
    kit.list_table(rows, [("number", "sales.col.number"), ("doc_date", "sales.col.doc_date"),
                          ("customer", "sales.col.customer"), ("status", "sales.col.status"),
                          ("progress", "sales.col.progress"), ("delivery_date", "sales.col.delivery_date"),
                          ("tax_total", "sales.col.tax_total"), ("total", "sales.col.total_vat")],
                   "sales_orders", "sales_so_export")
picked = kit.pick(rows, "sales_so_pick", "sales_order")
if picked is None:
    st.stop()
doc = run_action(sq.get_order, order_id=picked)
if doc is None:
    st.stop()
if chosen == "print":
    st.caption(tr("sales.print_hint"))
    st.html(order_html(doc, locale()))
    st.stop()

kit.header(doc, [(tr("sales.col.progress"), kit.progress_label(doc["progress"])),
                 (tr("sales.col.tax_total"), kit.num(doc["tax_total"], 2)),
                 (tr("sales.ship_address"), doc["ship_address"])])
st.markdown(f"**{tr('sales.fulfilment')}**")
table(doc["lines"], [("line_no", "sales.col.line_no"), ("product", "sales.col.product"),
                     ("warehouse", "sales.col.warehouse"), ("quantity", "sales.col.quantity"),
                     ("unit_price", "sales.col.unit_price"), ("discount_pct", "field.sales.discount_pct"),
                     ("tax_rate", "sales.col.tax_rate"), ("gross_amount", "sales.col.gross_amount"),
                     ("open_reserved", "sales.col.reserved"), ("received_qty", "sales.col.delivered"),
                     ("returned_qty", "sales.col.returned"), ("to_deliver", "sales.col.to_deliver"),
                     ("invoiced_qty", "sales.col.invoiced")],
      kit.qty_formats("quantity", "unit_price", "open_reserved", "received_qty", "returned_qty", "to_deliver",
                      "invoiced_qty", money=("gross_amount",)))
kit.actions(actor, doc, "sales.order", CALLS, "order_id", "sales_so_act")
if doc["status"] == "confirmed" and actor.may("sales.delivery.create") and \
        any(ln["to_deliver"] > 0 for ln in doc["lines"]) and \
        st.button(tr("sales.make_delivery"), key="sales_so_make_delivery"):
    st.session_state["sales_sd_from_order"] = (doc["partner_id"], doc["id"])
    st.switch_page("pages/sales/deliveries.py")
kit.links(doc)
with st.expander(tr("sales.history")):
    kit.steps(doc)
if doc["status"] == "draft" and actor.may("sales.order.edit"):
    with st.expander(tr("sales.edit_draft")):
        st.caption(md("sales.edit_hint", number=doc["number"]))
        order_form(f"sales_so_edit_{doc['id']}_{doc['version']}", doc)
