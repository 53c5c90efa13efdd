"""客户销售条款与信用: for one customer (inside the actor's row scope) the credit limit and 账期 (kept on the
customer record, changed on the customers page with its approval), the default warehouse, price list and
salesperson employee (edited here), and the open exposure: unpaid receivables + delivered not invoiced +
confirmed not delivered, against the limit."""

from __future__ import annotations

import streamlit as st

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from ui import sales_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.safe import text_line
from ui.settings_kit import done, show_flash, succeed

actor = require_actor()
st.title(tr("nav.sales.customers"))
show_flash()
choices = run_action(sq.sales_choices)
if choices is None:
    st.stop()
cus = list(choices.customers)
customer = st.selectbox(tr("field.sales.customer"), cus, key="sales_ct_cus", index=0 if cus else None,
                        format_func=lambda i: choices.customers[i])
if customer is None:
    st.info(tr("sales.empty"))
    st.stop()
t = run_action(sq.customer_terms, customer_id=customer)
if t is None:
    st.stop()
money = [("credit_limit", "sales.credit_limit"), ("receivables", "sales.receivables"),
         ("delivered_not_invoiced", "sales.delivered_not_invoiced"),
         ("confirmed_not_delivered", "sales.confirmed_not_delivered"), ("exposure", "sales.exposure"),
         ("credit_left", "sales.credit_left")]
lines = [text_line(tr(label), kit.num(t[k], 2) if t[k] is not None else tr("sales.no_limit")) for k, label in money]
lines.append(text_line(tr("sales.payment_terms"), str(t["payment_terms_days"] or 0)))
st.markdown("  \n".join(lines))  # text_line escapes each value
if t["credit_left"] is not None and t["credit_left"] < 0:
    st.warning(tr("sales.over_limit"))
whs = [None, *choices.warehouses]
pls = [None, *choices.price_lists]
key = f"sales_ct_{customer}_{t['version']}"
c1, c2 = st.columns(2)
wh = c1.selectbox(tr("sales.default_warehouse"), whs, key=f"{key}_wh",
                  index=whs.index(t["default_warehouse_id"]) if t["default_warehouse_id"] in whs else 0,
                  format_func=lambda i: "" if i is None else choices.warehouses[i])
pl = c2.selectbox(tr("field.sales.price_list"), pls, key=f"{key}_pl",
                  index=pls.index(t["price_list_id"]) if t["price_list_id"] in pls else 0,
                  format_func=lambda i: "" if i is None else choices.price_lists[i])
if actor.may("sales.terms.edit") and st.button(tr("sales.save"), type="primary", key=f"{key}_save") and \
        done(ss.set_customer_terms, customer_id=customer, default_warehouse_id=wh, price_list_id=pl,
             salesperson_employee_id=t["salesperson_employee_id"], version=t["version"]):
    succeed("sales.saved")

# the customer's timeline (CRM): follow-ups, opportunities, tickets, quotations, orders, invoices and receipts
if actor.may("crm.followup.view"):
    from erp_core.crm.followups import queries as fq
    from ui.settings_kit import table

    with st.expander(tr("timeline.title"), expanded=False):
        items = run_action(fq.customer_timeline, customer_id=customer) or []
        if not items:
            st.caption(tr("timeline.empty"))
        known = ("followup", "opportunity", "ticket", "sales_quotation", "sales_order", "sales_invoice", "receipt")
        table([{**i, "at": i["at"].strftime("%Y-%m-%d %H:%M"),
                "kind": tr(f"timeline.kind.{i['kind']}") if i["kind"] in known else i["kind"]} for i in items],
              [("at", "timeline.col.at"), ("kind", "timeline.col.kind"), ("text", "timeline.col.text")])
