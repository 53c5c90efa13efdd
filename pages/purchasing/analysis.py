"""采购分析: outstanding order lines (not yet received) and receipt lines not yet invoiced; purchases of confirmed
orders by supplier, product or month with a chart; the price history of one product. Every table exports to
CSV / Excel."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from erp_core.purchasing import queries as pq
from ui import purchasing_kit as kit
from ui.actions import run_action
from ui.context import require_actor
from ui.i18n import tr
from ui.sections import section
from ui.settings_kit import export_buttons, table

require_actor()
st.title(tr("nav.purchasing.analysis"))
choices = run_action(pq.purchase_choices)
if choices is None:
    st.stop()
chosen = section("pur_an_section", ("to_receive", "to_invoice", "by_supplier", "by_product", "by_month", "prices"),
                 "purchasing.analysis.", tr("nav.purchasing.analysis"))
MONEY = ("net_amount", "tax_amount", "gross_amount", "received_amount", "invoiced_amount")


def _export(rows, columns, name, key):
    export_buttons([{k: r.get(k) for k, _ in columns} for r in rows], columns, name, key)


if chosen in ("to_receive", "to_invoice"):
    sups = [None, *choices.suppliers]
    supplier = st.selectbox(tr("field.purchasing.supplier"), sups, key="pur_an_sup",
                            format_func=lambda i: tr("purchasing.all") if i is None else choices.suppliers[i])
    if chosen == "to_receive":
        rows = run_action(pq.lines_to_receive, supplier_id=supplier) or []
        cols = [("order_number", "purchasing.col.order"), ("line_no", "purchasing.col.line_no"),
                ("product", "purchasing.col.product"), ("ordered_qty", "purchasing.col.order_qty"),
                ("received_qty", "purchasing.col.received"), ("quantity", "purchasing.col.left"),
                ("net_price", "purchasing.col.unit_price"), ("delivery_date", "purchasing.col.delivery_date")]
    else:
        rows = run_action(pq.lines_to_invoice, supplier_id=supplier) or []
        cols = [("receipt_number", "purchasing.col.receipt"), ("line_no", "purchasing.col.line_no"),
                ("product", "purchasing.col.product"), ("received_qty", "purchasing.col.receipt_qty"),
                ("invoiced_qty", "purchasing.col.invoiced"), ("returned_qty", "purchasing.col.returned"),
                ("quantity", "purchasing.col.left"), ("unit_price", "purchasing.col.receipt_price")]
    if not rows:
        st.info(tr("purchasing.empty"))
        st.stop()
    fmts = {k: kit.num for k, _ in cols if k not in ("order_number", "receipt_number", "product", "line_no",
                                                     "delivery_date")}
    fmts["delivery_date"] = lambda d: d.isoformat() if d else ""
    table(rows, cols, fmts)
    _export(rows, cols, f"purchase_{chosen}", f"pur_an_{chosen}_export")
    st.stop()

if chosen == "prices":
    prods = list(choices.products)
    product = st.selectbox(tr("purchasing.col.product"), prods, index=None, key="pur_an_prod",
                           format_func=lambda p: choices.products[p])
    if product is None:
        st.stop()
    rows = run_action(pq.price_history, product_id=product) or []
    if not rows:
        st.info(tr("purchasing.empty"))
        st.stop()
    cols = [("doc_date", "purchasing.col.doc_date"), ("number", "purchasing.col.order"),
            ("supplier", "purchasing.col.supplier"), ("net_price", "purchasing.col.unit_price"),
            ("quantity", "purchasing.col.quantity"), ("change_pct", "purchasing.col.change_pct")]
    st.plotly_chart(go.Figure(go.Scatter(x=[r["doc_date"] for r in rows], y=[float(r["net_price"]) for r in rows],
                                         mode="lines+markers")), key="pur_an_price_chart")
    table(rows, cols, {"doc_date": lambda d: d.isoformat(), "net_price": kit.num, "quantity": kit.num,
                       "change_pct": lambda v: "" if v is None else f"{kit.num(v)}%"})
    _export(rows, cols, "price_history", "pur_an_prices_export")
    st.stop()

c1, c2 = st.columns(2)
date_from = c1.date_input(tr("purchasing.date_from"), value=None, key="pur_an_from")
date_to = c2.date_input(tr("purchasing.date_to"), value=None, key="pur_an_to")
group = chosen.removeprefix("by_")
rows = run_action(pq.purchase_analysis, group_by=group, date_from=date_from, date_to=date_to) or []
if not rows:
    st.info(tr("purchasing.empty"))
    st.stop()
cols = [("label", f"purchasing.analysis.col.{group}"), ("orders", "purchasing.col.orders"),
        ("quantity", "purchasing.col.quantity"), ("net_amount", "purchasing.col.net_amount"),
        ("tax_amount", "purchasing.col.tax_amount"), ("gross_amount", "purchasing.col.gross_amount"),
        ("received_amount", "purchasing.col.received_amount"), ("invoiced_amount", "purchasing.col.invoiced_amount")]
top = rows if group == "month" else rows[:15]
st.plotly_chart(go.Figure(go.Bar(x=[str(r["label"]) for r in top], y=[float(r["net_amount"]) for r in top])),
                key="pur_an_chart")
table(rows, cols, {"quantity": kit.num, **{k: (lambda v: kit.num(v, 2)) for k in MONEY}})
_export(rows, cols, f"purchases_by_{group}", "pur_an_export")
