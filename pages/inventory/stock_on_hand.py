"""Stock on hand (库存余额): per warehouse (optionally per location) and product, quantity, average unit cost and
value as of a date, with totals and downloads; below it the check of stock value against the general ledger
(库存与总账对账)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.inventory import queries
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md
from ui.settings_kit import table

actor = require_actor()
st.title(tr("nav.inventory.stock_on_hand"))
help_link("inventory")  # "?" to this page's part of the help centre
choices = run_action(queries.stock_filter_choices)
if choices is None:
    st.stop()

with st.form("soh_filters"):
    c1, c2, c3, c4 = st.columns([2, 2, 3, 2])
    warehouse_id = c1.selectbox(tr("field.inventory.warehouse"), [None, *choices.warehouses], key="soh_wh",
                                format_func=lambda i: tr("inventory.all") if i is None else choices.warehouses[i])
    category_id = c2.selectbox(tr("field.inventory.category"), [None, *choices.categories], key="soh_cat",
                               format_func=lambda i: tr("inventory.all") if i is None else choices.categories[i])
    search = c3.text_input(tr("field.inventory.search"), key="soh_search")
    as_of = c4.date_input(tr("field.inventory.as_of"), value=dt.date.today(), key="soh_as_of")
    by_location = st.checkbox(tr("inventory.by_location"), key="soh_by_location")
    st.form_submit_button(tr("inventory.run"), type="primary", icon=":material/play_arrow:")

filters = {"warehouse_id": warehouse_id, "category_id": category_id, "search": search, "as_of": as_of,
           "by_location": by_location}
result = run_action(queries.stock_on_hand, **filters)
if result is None:
    st.stop()
loc = locale()


def money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def number(v):
    return "" if v is None else fmt.format_number(v, loc)


columns = [("warehouse_code", "inventory.col.warehouse_code"), ("warehouse_name", "inventory.col.warehouse_name")]
if by_location:
    columns.append(("location_code", "inventory.col.location_code"))
columns += [("product_code", "inventory.col.product_code"), ("product_name", "inventory.col.product_name"),
            ("unit_code", "inventory.col.unit_code"), ("quantity", "inventory.col.quantity"),
            ("avg_cost", "inventory.col.avg_cost"), ("value", "inventory.col.value")]
if not result.rows:
    st.info(tr("inventory.empty"))
else:
    table(result.rows, columns, formatters={"quantity": number, "avg_cost": number, "value": money})
    st.markdown("**" + tr("inventory.total", value=money(result.total_value), rows=len(result.rows)) + "**")
    if len({r["product_id"] for r in result.rows}) == 1:  # one product: its quantities add up
        st.caption(md("inventory.total_quantity", quantity=number(result.total_quantity)))
    if actor.may(queries.EXPORT[0]):
        c1, c2, _ = st.columns([1, 1, 4])
        for col, kind, label in ((c1, "csv", "inventory.export_csv"), (c2, "xlsx", "inventory.export_xlsx")):
            f = run_action(queries.export_stock_on_hand, fmt=kind, locale=loc, **filters)
            if f is not None:
                col.download_button(tr(label), f.data, file_name=f.filename, mime=f.mime, key=f"soh_{kind}",
                                    icon=":material/download:")

if actor.may(queries.RECONCILE[0]):
    st.subheader(tr("inventory.ledger_check"))
    check = run_action(queries.stock_vs_ledger, as_of=as_of)
    if check is not None:
        table([dataclasses.asdict(r) for r in check], [("account_code", "inventory.col.account_code"), ("account_name", "inventory.col.account_name"),
                     ("stock_value", "inventory.col.stock_value"),
                     ("ledger_balance", "inventory.col.ledger_balance"), ("difference", "inventory.col.difference")],
              formatters={"stock_value": money, "ledger_balance": money, "difference": money})
        total = sum((r.difference for r in check), Decimal(0))
        if total == 0:
            st.success(tr("inventory.ledger_check.ok"))
        else:
            st.warning(tr("inventory.ledger_check.differs", difference=money(total)))
        st.caption(tr("inventory.ledger_check.hint"))
