"""报价单: the list with filters and its export; one quotation with its lines, links, steps and the actions (send,
cancel) and 生成销售订单 (its prices carried over); a new quotation with prices from the price list; the print
view."""

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
from ui.safe import md_escape
from ui.sections import section
from ui.settings_kit import show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.quotations"))
show_flash()
choices = run_action(sq.sales_choices)
if choices is None:
    st.stop()
STATUSES = ("draft", "sent", "accepted", "rejected", "cancelled")
CALLS = {"send": ss.send_quotation, "cancel": ss.cancel_quotation}


def quotation_form(key: str, customer_default: int | None = None, opportunity_id: int | None = None) -> None:
    count = int(st.number_input(tr("sales.line_count"), min_value=1, max_value=50, value=3, step=1, key=f"{key}_n"))
    with st.form(key):
        c1, c2, c3 = st.columns([3, 2, 2])
        cus = list(choices.customers)
        customer = c1.selectbox(tr("field.sales.customer"), cus, key=f"{key}_cus",
                                index=cus.index(customer_default) if customer_default in cus else None,
                                format_func=lambda i: choices.customers[i])
        day = c2.date_input(tr("sales.col.doc_date"), value=kit.today(), key=f"{key}_date")
        valid = c3.date_input(tr("sales.col.valid_until"), value=None, key=f"{key}_valid")
        c4, c5 = st.columns([3, 2])
        whs = list(choices.warehouses)
        warehouse = c4.selectbox(tr("field.sales.warehouse"), whs, key=f"{key}_wh", index=0 if whs else None,
                                 format_func=lambda i: choices.warehouses[i])
        incl = c5.checkbox(tr("sales.prices_include_vat"), value=True, key=f"{key}_incl")
        rows = []
        prods = [None, *choices.products]
        for i in range(count):
            a, b, c, d = st.columns([4, 2, 2, 1])
            pid = a.selectbox(tr("sales.line_product", n=int(i + 1)), prods, key=f"{key}_p{i}", index=0,
                              format_func=lambda p: "" if p is None else choices.products[p])
            qty = b.text_input(tr("sales.line_qty", n=int(i + 1)), key=f"{key}_q{i}")
            price = c.text_input(tr("sales.line_price", n=int(i + 1)), key=f"{key}_pr{i}",
                                 placeholder=tr("sales.price_from_list"))
            disc = d.text_input(tr("field.sales.discount_pct"), key=f"{key}_d{i}")
            if pid is not None:
                row = {"product_id": pid, "quantity": kit.dec(qty), "discount_pct": kit.dec(disc) or 0}
                if str(price).strip():
                    row["unit_price"] = kit.dec(price)
                rows.append(row)
        remarks = st.text_area(tr("sales.remarks"), max_chars=2000, key=f"{key}_remarks")
        # a refusal shows just above the save button the user just pressed (ui/feedback.py)
        saved = SaveButton(key, form=True)
    if saved:
        new_id = saved.run(ss.create_quotation, customer_id=customer, doc_date=day, lines=rows,
                           prices_include_vat=incl, warehouse_id=warehouse, valid_until=valid,
                           remarks=remarks, opportunity_id=opportunity_id)
        if new_id is not None:
            st.session_state.pop(FROM_OPPORTUNITY, None)
            st.session_state[kit.OPEN_KEY] = ("sales_quotation", new_id)
            succeed("sales.saved", forget=["sales_sq_section"])


FROM_OPPORTUNITY = "sales_sq_from_opportunity"  # (opportunity id, customer id, name): set by the CRM page
came_from = st.session_state.get(FROM_OPPORTUNITY)
if came_from and actor.may("sales.quotation.create"):
    st.subheader(tr("timeline.quote_for", name=md_escape(came_from[2])))
    quotation_form("sales_sq_opp", customer_default=came_from[1], opportunity_id=came_from[0])
    if st.button(tr("timeline.back"), key="sales_sq_opp_close"):
        st.session_state.pop(FROM_OPPORTUNITY, None)
        st.rerun()
    st.stop()

chosen = section("sales_sq_section", ("list", "new", "print"), "sales.section.", tr("nav.sales.quotations"))
if chosen == "new":
    if actor.may("sales.quotation.create"):
        quotation_form("sales_sq_new")
    else:
        st.info(tr("sales.no_right"))
    st.stop()

f = kit.filters("sales_sq", choices.customers, STATUSES)
rows = run_action(sq.list_quotations, **f)
if rows is None:
    st.stop()
if not rows:
    st.info(tr("sales.empty"))
    st.stop()
if chosen == "list":
    kit.list_table(rows, [("number", "sales.col.number"), ("doc_date", "sales.col.doc_date"),
                          ("customer", "sales.col.customer"), ("status", "sales.col.status"),
                          ("valid_until", "sales.col.valid_until"), ("total", "sales.col.total_vat")],
                   "sales_quotations", "sales_sq_export")
picked = kit.pick(rows, "sales_sq_pick", "sales_quotation")
if picked is None:
    st.stop()
doc = run_action(sq.get_quotation, quotation_id=picked)
if doc is None:
    st.stop()
if chosen == "print":
    st.caption(tr("sales.print_hint"))
    st.html(order_html(doc, locale()))
    st.stop()
kit.header(doc, [(tr("sales.col.valid_until"), doc["valid_until"].isoformat() if doc["valid_until"] else "")])
table(doc["lines"], [("line_no", "sales.col.line_no"), ("product", "sales.col.product"),
                     ("quantity", "sales.col.quantity"), ("list_price", "sales.col.list_price"),
                     ("unit_price", "sales.col.unit_price"), ("discount_pct", "field.sales.discount_pct"),
                     ("tax_rate", "sales.col.tax_rate"), ("gross_amount", "sales.col.gross_amount")],
      kit.qty_formats("quantity", "list_price", "unit_price", money=("gross_amount",)))
kit.actions(actor, doc, "sales.quotation", CALLS, "quotation_id", "sales_sq_act")
if doc["status"] in ("draft", "sent") and actor.may("sales.quotation.convert") and \
        st.button(tr("sales.make_order"), key="sales_sq_make_order"):
    new_id = run_action(ss.order_from_quotation, quotation_id=doc["id"], doc_date=kit.today())
    if new_id is not None:
        st.session_state[kit.OPEN_KEY] = ("sales_order", new_id)
        st.switch_page("pages/sales/orders.py")
kit.links(doc)
with st.expander(tr("sales.history")):
    kit.steps(doc)
