"""The stock ledger (库存台账): every stock move, newest first, filtered by warehouse, move type, product text and
date range, one page at a time."""

from __future__ import annotations

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.inventory import queries
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.settings_kit import pager, table

PAGE_SIZE = 50
require_actor()
st.title(tr("nav.inventory.stock_moves"))
help_link("inventory")  # "?" to this page's part of the help centre
choices = run_action(queries.stock_filter_choices)
if choices is None:
    st.stop()

c1, c2, c3 = st.columns([2, 2, 3])
warehouse_id = c1.selectbox(tr("field.inventory.warehouse"), [None, *choices.warehouses], key="sm_wh",
                            format_func=lambda i: tr("inventory.all") if i is None else choices.warehouses[i])
move_type = c2.selectbox(tr("field.inventory.move_type"), [None, *choices.move_types], key="sm_type",
                         format_func=lambda m: tr("inventory.all") if m is None else tr(f"inventory.move_type.{m}"))
search = c3.text_input(tr("field.inventory.search"), key="sm_search")
c4, c5, _ = st.columns([2, 2, 3])
date_from = c4.date_input(tr("field.inventory.date_from"), value=None, key="sm_from")
date_to = c5.date_input(tr("field.inventory.date_to"), value=None, key="sm_to")

filters = {"warehouse_id": warehouse_id, "move_type": move_type, "search": search, "date_from": date_from,
           "date_to": date_to}
first = run_action(queries.stock_moves, **filters, page=1, page_size=PAGE_SIZE)
if first is None:
    st.stop()
if not first.total:
    st.info(tr("inventory.moves_empty"))
    st.stop()
page = pager(first.total, PAGE_SIZE, "sm_page")
result = first if page == 1 else run_action(queries.stock_moves, **filters, page=page, page_size=PAGE_SIZE)
if result is None:
    st.stop()
loc = locale()
table(result.rows, [("move_seq", "inventory.col.move_seq"), ("move_date", "inventory.col.move_date"),
                    ("move_type", "inventory.col.move_type"), ("warehouse_code", "inventory.col.warehouse_code"),
                    ("location_code", "inventory.col.location_code"), ("product_code", "inventory.col.product_code"),
                    ("product_name", "inventory.col.product_name"), ("quantity", "inventory.col.quantity"),
                    ("unit_cost", "inventory.col.unit_cost"), ("amount", "inventory.col.amount"),
                    ("source_ref", "inventory.col.source_ref")],
      formatters={"move_type": lambda m: tr(f"inventory.move_type.{m}"),
                  "move_date": lambda d: d.isoformat(),
                  "quantity": lambda v: fmt.format_number(v, loc), "unit_cost": lambda v: fmt.format_number(v, loc),
                  "amount": lambda v: fmt.format_number(v, loc, 2)})
