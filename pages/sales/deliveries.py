"""销售出库单 / 发货单: the list with filters and its export; one delivery with its lines (order, quantity, issue
cost once posted), links, steps and the actions (post: stock issue + cost-of-sales voucher; cancel; reverse);
a new delivery of one customer's open order lines (several orders at once, part of a line: the rest stays on
backorder) with ship date, carrier, shipping method, tracking number and consignee; the printable delivery
note for the driver."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from erp_core.sales.models import SHIPPING_METHODS
from erp_core.sales.print_view import delivery_html
from ui import sales_kit as kit
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.feedback import SaveButton
from ui.i18n import tr
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.deliveries"))
show_flash()
choices = run_action(sq.sales_choices)
if choices is None:
    st.stop()
STATUSES = ("draft", "posted", "reversed", "cancelled")
CALLS = {"post": ss.post_delivery, "cancel": ss.cancel_delivery, "reverse": ss.reverse_delivery}


def delivery_form(key: str, customer_id: int | None, order_id: int | None) -> None:
    cus = list(choices.customers)
    customer = st.selectbox(tr("field.sales.customer"), cus, key=f"{key}_cus",
                            index=cus.index(customer_id) if customer_id in cus else None,
                            format_func=lambda i: choices.customers[i])
    if customer is None:
        return
    open_lines = run_action(sq.deliverable_lines, customer_id=customer)
    if not open_lines:
        st.info(tr("sales.nothing_to_deliver"))
        return
    st.caption(tr("sales.deliver_hint"))
    qtys = []
    for r in open_lines:
        a, b = st.columns([6, 2])
        a.markdown(f"{md_escape(r['order'])} #{int(r['line_no'])} · {md_escape(r['product'])} · {tr('sales.col.to_deliver')} "
                   f"{md_escape(kit.num(r['to_deliver']))}")
        default = kit.num(r["to_deliver"]) if order_id is None or r["order_id"] == order_id else ""
        qtys.append(b.text_input(tr("sales.col.quantity"), value=default, key=f"{key}_q{r['order_line_id']}",
                                 label_visibility="collapsed"))
    c1, c2, c3, c4 = st.columns([2, 2, 3, 3])
    day = c1.date_input(tr("sales.ship_date"), value=kit.today(), key=f"{key}_date")
    method = c2.selectbox(tr("field.sales.shipping_method"), SHIPPING_METHODS, key=f"{key}_method",
                          format_func=lambda m: tr(f"sales.method.{m}"))
    carrier = c3.text_input(tr("sales.carrier"), key=f"{key}_carrier")
    tracking = c4.text_input(tr("sales.tracking_no"), key=f"{key}_tracking")
    remarks = st.text_input(tr("sales.remarks"), key=f"{key}_remarks")
    saved = SaveButton(key)  # a refusal shows just above it (ui/feedback.py)
    if not saved:
        return
    lines = [{"order_line_id": r["order_line_id"], "quantity": kit.dec(q)}
             for r, q in zip(open_lines, qtys, strict=True) if str(q).strip() and kit.dec(q) != Decimal(0)]
    new_id = saved.run(ss.create_delivery, doc_date=day, lines=lines, shipping_method=method, carrier=carrier,
                       tracking_no=tracking, remarks=remarks)
    if new_id is not None:
        st.session_state.pop("sales_sd_from_order", None)
        st.session_state[kit.OPEN_KEY] = ("sales_delivery", new_id)
        succeed("sales.saved", forget=["sales_sd_section"])


came_from = st.session_state.get("sales_sd_from_order")
if came_from and actor.may("sales.delivery.create"):
    st.subheader(tr("sales.make_delivery"))
    delivery_form("sales_sd_from", came_from[0], came_from[1])
    if st.button(tr("sales.back_to_list"), key="sales_sd_from_close"):
        st.session_state.pop("sales_sd_from_order", None)
        st.rerun()
    st.stop()

chosen = section("sales_sd_section", ("list", "new", "print"), "sales.section.", tr("nav.sales.deliveries"))
if chosen == "new":
    if actor.may("sales.delivery.create"):
        delivery_form("sales_sd_new", None, None)
    else:
        st.info(tr("sales.no_right"))
    st.stop()

f = kit.filters("sales_sd", choices.customers, STATUSES)
rows = run_action(sq.list_deliveries, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("sales.empty"))
    st.stop()
if chosen == "list":
    kit.list_table(rows, [("number", "sales.col.number"), ("doc_date", "sales.ship_date"),
                          ("customer", "sales.col.customer"), ("status", "sales.col.status"),
                          ("shipping_method", "field.sales.shipping_method"), ("carrier", "sales.carrier"),
                          ("tracking_no", "sales.tracking_no"), ("total", "sales.col.total_vat"),
                          ("cost_total", "sales.col.cost_total"), ("red", "sales.red")],
                   "sales_deliveries", "sales_sd_export")
picked = kit.pick(rows, "sales_sd_pick", "sales_delivery")
if picked is None:
    st.stop()
doc = run_action(sq.get_delivery, delivery_id=picked)
if doc is None:
    st.stop()
if chosen == "print":
    st.caption(tr("sales.print_hint"))
    st.html(delivery_html(doc, locale()))
    st.stop()
kit.header(doc, [(tr("field.sales.shipping_method"), tr(f"sales.method.{doc['shipping_method']}")),
                 (tr("sales.carrier"), doc["carrier"]), (tr("sales.tracking_no"), doc["tracking_no"]),
                 (tr("sales.consignee"), doc["consignee"]), (tr("sales.ship_address"), doc["ship_address"]),
                 (tr("sales.col.cost_total"), kit.num(doc["cost_total"], 2))])
table(doc["lines"], [("line_no", "sales.col.line_no"), ("order", "sales.col.order"),
                     ("product", "sales.col.product"), ("warehouse", "sales.col.warehouse"),
                     ("quantity", "sales.col.quantity"), ("unit_price", "sales.col.net_price"),
                     ("gross_amount", "sales.col.gross_amount"), ("cost_price", "sales.col.cost_price"),
                     ("cost_amount", "sales.col.cost_amount"), ("invoiced_qty", "sales.col.invoiced"),
                     ("returned_qty", "sales.col.returned")],
      kit.qty_formats("quantity", "unit_price", "cost_price", "invoiced_qty", "returned_qty",
                      money=("gross_amount", "cost_amount")))
kit.actions(actor, doc, "sales.delivery", CALLS, "delivery_id", "sales_sd_act")
kit.links(doc)
with st.expander(tr("sales.history")):
    kit.steps(doc)
