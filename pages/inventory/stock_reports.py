"""Stock reports (库存报表): 收发存汇总表 (opening, in, out, closing for any date range), 库存明细账 (one product's
moves with the running balance), 低库存预警 and 补货建议 (reorder suggestions), each with filters and an Excel
download; "生成采购订单" turns the selected suggestions into draft purchase orders, one per supplier
(purchasing.reorder_services.order_from_suggestions)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from erp_core.i18n import format as fmt
from erp_core.stockops import queries
from erp_core.stockops import report_queries as R
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.help import help_link
from ui.i18n import tr
from ui.safe import md, md_escape
from ui.sections import section
from ui.settings_kit import show_flash, table

actor = require_actor()
loc = locale()
st.title(tr("nav.inventory.stock_reports"))
show_flash()
help_link("inventory", "reports")  # "?" to this page's part of the help centre
part = section("sr_section", ("movement", "ledger", "reorder"), "inv.report.", tr("nav.inventory.stock_reports"))
choices = run_action(queries.stock_form_choices) if actor.may(queries.VIEW[0]) else None


def _num(v):
    return "" if v is None else fmt.format_number(v, loc)


def _money(v):
    return "" if v is None else fmt.format_number(v, loc, 2)


def _download(report: str, key: str, **params) -> None:
    if not actor.may(R.EXPORT[0]):
        return
    f = run_action(R.export_stock_report, report=report, fmt="xlsx", locale=loc, **params)
    if f is not None:
        st.download_button(tr("inv.export_xlsx"), f.data, file_name=f.filename, mime=f.mime, key=key,
                           icon=":material/download:")


def _reorder_to_orders(rows) -> None:
    """补货建议 -> 采购订单: the picked products (quantity editable; supplier = the chosen one or the latest)."""
    from erp_core.purchasing import queries as pq
    from erp_core.purchasing.reorder_services import order_from_suggestions
    from ui.settings_kit import succeed

    with st.expander(tr("pur2.make_orders")):
        labels = {r["product_id"]: f"{r['product_code']} {r['product_name']}" for r in rows}
        picked = st.multiselect(tr("pur2.reorder_pick"), list(labels), default=list(labels), key="sr_po_pick",
                                format_func=lambda i: labels[i])
        whs = list(warehouses)
        wh = st.selectbox(tr("pur2.reorder_warehouse"), whs, key="sr_po_wh", format_func=lambda i: warehouses[i])
        sup_choices = run_action(pq.purchase_choices) if actor.may("purchasing.choice.view") else None
        sups = [None, *(sup_choices.suppliers if sup_choices else {})]
        quantities, suppliers = {}, {}
        for r in rows:
            if r["product_id"] not in picked:
                continue
            a, b = st.columns([2, 3])
            quantities[r["product_id"]] = a.text_input(tr("inv.col.suggested_qty") + f" · {md_escape(r['product_code'])}",
                                                       value=_num(r["suggested_qty"]).replace(",", ""),
                                                       key=f"sr_po_q_{r['product_id']}")
            sid = b.selectbox(tr("field.purchasing.supplier") + f" · {md_escape(r['product_code'])}", sups,
                              key=f"sr_po_s_{r['product_id']}",
                              format_func=lambda s: tr("pur2.last_supplier") if s is None
                              else sup_choices.suppliers[s])
            if sid is not None:
                suppliers[r["product_id"]] = sid
        if st.button(tr("pur2.make_orders"), type="primary", key="sr_po_make", disabled=not picked):
            made = run_action(order_from_suggestions, product_ids=picked, warehouse_id=wh, doc_date=today,
                              quantities=quantities, suppliers=suppliers)
            if made:
                succeed("pur2.orders_made", count=len(made))


today = dt.date.today()
warehouses = choices.warehouses if choices else {}
if part == "movement":
    c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
    d1 = c1.date_input(tr("field.inv.date_from"), value=today.replace(day=1), key="sr_from")
    d2 = c2.date_input(tr("field.inv.date_to"), value=today, key="sr_to")
    wh = c3.selectbox(tr("field.inv.warehouse"), [None, *warehouses], key="sr_wh",
                      format_func=lambda i: tr("inv.all") if i is None else warehouses[i])
    search = c4.text_input(tr("inv.search"), key="sr_search")
    params = {"date_from": d1, "date_to": d2, "warehouse_id": wh, "search": search}
    data = run_action(R.stock_movement_summary, **params)
    if data is not None:
        if not data.rows:
            st.info(tr("inv.report_empty"))
        else:
            cols = ["product_code", "product_name", "warehouse_code", "opening_qty", "opening_amount", "in_qty",
                    "in_amount", "out_qty", "out_amount", "closing_qty", "closing_amount"]
            table(data.rows, [(c, f"inv.col.{c}") for c in cols],
                  formatters={c: (_money if c.endswith("amount") else _num) for c in cols[3:]})
            st.caption(md("inv.report_totals", opening=_money(data.totals["opening_amount"]),
                          closing=_money(data.totals["closing_amount"])))
            _download("stock_movement", "sr_movement_xlsx", **params)
elif part == "ledger":
    products = choices.products if choices else {}
    if not products:
        st.info(tr("inv.report_empty"))
        st.stop()
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    pid = c1.selectbox(tr("field.inv.product"), list(products), key="sr_product",
                       format_func=lambda i: products[i])
    d1 = c2.date_input(tr("field.inv.date_from"), value=today.replace(day=1), key="sr_l_from")
    d2 = c3.date_input(tr("field.inv.date_to"), value=today, key="sr_l_to")
    wh = c4.selectbox(tr("field.inv.warehouse"), [None, *warehouses], key="sr_l_wh",
                      format_func=lambda i: tr("inv.all") if i is None else warehouses[i])
    params = {"product_id": pid, "date_from": d1, "date_to": d2, "warehouse_id": wh}
    led = run_action(R.product_ledger, **params)
    if led is not None:
        st.caption(md("inv.ledger_opening", quantity=_num(led.opening_qty), amount=_money(led.opening_amount)))
        table(led.rows, [("move_date", "inv.col.move_date"), ("move_type", "inv.col.move_type"),
                         ("warehouse_code", "inv.col.warehouse_code"), ("source_ref", "inv.col.source_ref"),
                         ("in_qty", "inv.col.in_qty"), ("out_qty", "inv.col.out_qty"),
                         ("unit_cost", "field.inv.unit_cost"), ("amount", "inv.col.amount"),
                         ("balance_qty", "inv.col.balance_qty"), ("balance_amount", "inv.col.balance_amount")],
              formatters={"move_date": lambda d: d.isoformat(), "move_type": lambda m: tr(f"inventory.move_type.{m}"),
                          "in_qty": _num, "out_qty": _num, "unit_cost": _num, "amount": _money,
                          "balance_qty": _num, "balance_amount": _money})
        st.caption(md("inv.ledger_closing", quantity=_num(led.closing_qty), amount=_money(led.closing_amount)))
        _download("product_ledger", "sr_ledger_xlsx", **params)
else:
    search = st.text_input(tr("inv.search"), key="sr_r_search")
    rows = run_action(R.reorder_suggestions, search=search)
    if rows is not None:
        if not rows:
            st.success(tr("inv.no_low_stock"))
        else:
            st.warning(tr("inv.low_stock_count", count=len(rows)), icon=":material/inventory:")
            cols = ["product_code", "product_name", "unit_code", "on_hand", "reorder_point", "reorder_quantity",
                    "suggested_qty", "unit_cost", "amount"]
            table(rows, [(c, f"inv.col.{c}") for c in cols],
                  formatters={c: (_money if c == "amount" else _num) for c in cols[3:]})
            _download("reorder", "sr_reorder_xlsx", search=search)
            st.caption(tr("inv.reorder_hint"))
            if actor.may("purchasing.order.from_reorder") and warehouses:
                _reorder_to_orders(rows)
