"""价目表: the company's price lists (standard and per customer, validity dates) and, for the chosen one, its
prices with quantity breaks and floor prices, edited as a table and saved as a whole; a new list."""

from __future__ import annotations

import streamlit as st

from erp_core.sales import queries as sq
from erp_core.sales import services as ss
from ui import sales_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.settings_kit import done, show_flash, succeed, table

actor = require_actor()
st.title(tr("nav.sales.price_lists"))
show_flash()
choices = run_action(sq.sales_choices)
lists = run_action(sq.list_price_lists)
if choices is None or lists is None:
    st.stop()
if lists:
    kit.list_table(lists, [("code", "field.sales.price_list_code"), ("name", "field.sales.price_list_name"),
                           ("customer", "field.sales.customer"), ("valid_from", "sales.col.valid_from"),
                           ("valid_to", "field.sales.valid_to")], "price_lists", "sales_pl_export")
ids = [None, *[r["id"] for r in lists]]
labels = {r["id"]: f"{r['code']} {r['name']}" for r in lists}
picked = st.selectbox(tr("sales.open"), ids, key="sales_pl_pick",
                      format_func=lambda i: tr("sales.new_price_list") if i is None else labels[i])
doc = run_action(sq.get_price_list, price_list_id=picked) if picked else None
if picked and doc is None:
    st.stop()
key = f"sales_pl_{picked}_{doc['version'] if doc else 0}"
c1, c2, c3 = st.columns([2, 3, 3])
code = c1.text_input(tr("field.sales.price_list_code"), value=doc["code"] if doc else "", key=f"{key}_code")
name = c2.text_input(tr("field.sales.price_list_name"), value=doc["name"] if doc else "", key=f"{key}_name")
cus = [None, *choices.customers]
customer = c3.selectbox(tr("field.sales.customer"), cus, key=f"{key}_cus",
                        index=cus.index(doc["customer_id"]) if doc and doc["customer_id"] in cus else 0,
                        format_func=lambda i: tr("sales.standard_list") if i is None else choices.customers[i])
c4, c5, c6, c7 = st.columns(4)
valid_from = c4.date_input(tr("sales.col.valid_from"), value=doc["valid_from"] if doc else None, key=f"{key}_from")
valid_to = c5.date_input(tr("field.sales.valid_to"), value=doc["valid_to"] if doc else None, key=f"{key}_to")
incl = c6.checkbox(tr("sales.prices_include_vat"), value=doc["prices_include_vat"] if doc else True,
                   key=f"{key}_incl")
active = c7.checkbox(tr("sales.active"), value=doc["active"] if doc else True, key=f"{key}_active")
products = choices.products
by_label = {v: k for k, v in products.items()}
current = [{"product": p["product"], "min_qty": float(p["min_qty"]), "price": float(p["price"]),
            "floor_price": float(p["floor_price"]) if p["floor_price"] is not None else None}
           for p in (doc["prices"] if doc else [])]
edited = st.data_editor(current, num_rows="dynamic", key=f"{key}_prices", width="stretch", column_config={
    "product": st.column_config.SelectboxColumn(tr("field.sales.product"), options=list(by_label)),
    "min_qty": st.column_config.NumberColumn(tr("field.sales.min_qty"), min_value=0),
    "price": st.column_config.NumberColumn(tr("field.sales.unit_price"), min_value=0),
    "floor_price": st.column_config.NumberColumn(tr("field.sales.floor_price"), min_value=0)})
if actor.may("sales.price_list.edit") and st.button(tr("sales.save"), type="primary", key=f"{key}_save"):
    prices = [{"product_id": by_label.get(r.get("product")), "min_qty": kit.dec(r.get("min_qty") or 0),
               "price": kit.dec(r.get("price")), "floor_price": kit.dec(r.get("floor_price"))}
              for r in edited if r.get("product")]
    kwargs = {"code": code, "name": name, "customer_id": customer, "valid_from": valid_from, "valid_to": valid_to,
              "prices_include_vat": incl, "active": active, "prices": prices}
    if doc:
        kwargs |= {"price_list_id": doc["id"], "version": doc["version"]}
    if done(ss.save_price_list, **kwargs):
        succeed("sales.saved")
if doc is None and not lists:
    st.caption(tr("sales.empty"))
    table([], [])
