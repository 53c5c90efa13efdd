"""采购与库存看板: purchases by month and top suppliers (confirmed orders), stock value by warehouse and category,
slow movers, open orders to receive and receipts waiting for their invoice.

The finance dashboard's pattern (issue #17): every rerun makes only the cheap permission-checked stamp look-up
(stock and ledger watermarks, the orders' last change); the figures are read through the analytics path and
drawn once per stamp, actor scope, year and language, kept in this browser session (st.session_state, never
shared with another user); tables and downloads only when "显示数据明细" is on."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from erp_core.purchasing import dashboard_queries as dq
from ui import charts
from ui.actions import run_action
from ui.context import locale, require_actor
from ui.i18n import datetime as fmt_datetime
from ui.i18n import money, tr
from ui.report_kit import metric_row
from ui.safe import md_escape
from ui.settings_kit import export_buttons, table

MEMO_KEY = "purdash_memo"

actor = require_actor()
st.title(tr("nav.purchasing.dashboard"))
this_year = dt.date.today().year
year = st.selectbox(tr("reports.year"), list(range(this_year, this_year - 6, -1)), key="purdash_year")
stamp = run_action(dq.purchasing_dashboard_stamp)
if stamp is None:
    st.stop()
key = (int(year), actor.user_id, actor.company_id, actor.scope(dq.VIEW[0]), locale(), dt.date.today())
memo = st.session_state.get(MEMO_KEY)


def _bars(x, y, title: str, *, color: str, horizontal: bool = False) -> go.Figure:
    fig = go.Figure()
    ys = charts._floats(y)
    if horizontal:
        fig.add_bar(y=list(x), x=ys, orientation="h", marker_color=color)
    else:
        fig.add_bar(x=list(x), y=ys, marker_color=color)
    fig = charts._layout(fig, title)
    if horizontal:  # amounts on the x axis, names on the y axis
        fig.update_xaxes(type="linear", tickformat=charts.AMOUNT_FORMAT, hoverformat=charts.AMOUNT_HOVER)
        fig.update_yaxes(type="category", tickformat="", autorange="reversed")
    return fig


def _pie(labels, values, title: str) -> go.Figure:
    fig = go.Figure(go.Pie(labels=list(labels), values=charts._floats(values), hole=0.4, sort=False))
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=40, b=10), height=320, separators=".,")
    return fig


if memo is None or memo["key"] != key or memo["stamp"] != stamp.key:
    data = run_action(dq.purchasing_dashboard, year=int(year))
    if data is None:
        st.session_state.pop(MEMO_KEY, None)
        st.stop()
    unsorted = tr("purdash.uncategorized")
    cats = [r["category"] or unsorted for r in data["stock_by_category"]]
    memo = {"key": key, "stamp": stamp.key, "data": data, "as_of": data["as_of"],
            "metrics": (money(sum(r["net_amount"] for r in data["by_month"])),
                        money(sum(r["value"] for r in data["stock_by_warehouse"])),
                        money(sum(r["amount"] for r in data["to_receive"])),
                        money(sum(r["amount"] for r in data["to_invoice"]))),
            "figs": [
                charts.kept(_bars([r["period"] for r in data["by_month"]],
                                  [r["net_amount"] for r in data["by_month"]], tr("purdash.by_month"),
                                  color="#1565c0")),
                charts.kept(_bars([r["supplier"] for r in data["by_supplier"]],
                                  [r["net_amount"] for r in data["by_supplier"]], tr("purdash.top_suppliers"),
                                  color="#6a1b9a", horizontal=True)),
                charts.kept(_bars([r["warehouse"] for r in data["stock_by_warehouse"]],
                                  [r["value"] for r in data["stock_by_warehouse"]],
                                  tr("purdash.stock_by_warehouse"), color="#2e7d32")),
                charts.kept(_pie(cats, [r["value"] for r in data["stock_by_category"]],
                                 tr("purdash.stock_by_category"))),
                charts.kept(_bars([r["product"] for r in data["slow_movers"]],
                                  [r["value"] for r in data["slow_movers"]],
                                  tr("purdash.slow_movers", days=dq.SLOW_DAYS), color="#ef6c00", horizontal=True)),
            ]}
    # open items: two series (to receive / to invoice) per supplier
    fig = go.Figure()
    fig.add_bar(x=[r["supplier"] for r in data["to_receive"]], y=charts._floats(r["amount"] for r in
                                                                                data["to_receive"]),
                name=tr("purdash.to_receive"), marker_color="#00838f")
    fig.add_bar(x=[r["supplier"] for r in data["to_invoice"]], y=charts._floats(r["amount"] for r in
                                                                                data["to_invoice"]),
                name=tr("purdash.to_invoice"), marker_color="#c62828")
    fig.update_layout(barmode="group")
    memo["figs"].append(charts.kept(charts._layout(fig, tr("purdash.open_items"))))
    st.session_state[MEMO_KEY] = memo
data = memo["data"]
info = memo["as_of"]
st.caption(tr("purdash.as_of", seq=int(info.watermark), time=md_escape(fmt_datetime(info.synced_at.replace(tzinfo=dt.UTC))),
              day=md_escape(data["on"])))
bought, stock_value, to_receive, to_invoice = memo["metrics"]
metric_row([(tr("purdash.purchases_year"), bought), (tr("purdash.stock_value"), stock_value),
            (tr("purdash.to_receive"), to_receive), (tr("purdash.to_invoice"), to_invoice)])
figs = memo["figs"]
left, right = st.columns(2)
left.plotly_chart(figs[0], width="stretch")
right.plotly_chart(figs[1], width="stretch")
left, right = st.columns(2)
left.plotly_chart(figs[2], width="stretch")
right.plotly_chart(figs[3], width="stretch")
left, right = st.columns(2)
left.plotly_chart(figs[4], width="stretch")
right.plotly_chart(figs[5], width="stretch")
if st.toggle(tr("reports.show_figures"), key="purdash_figures"):
    money2 = {k: money for k in ("net_amount", "value", "amount")}
    for name, rows, cols in (
            ("by_month", data["by_month"], [("period", "purdash.col.period"), ("net_amount", "purdash.col.net_amount")]),
            ("by_supplier", data["by_supplier"], [("supplier", "purdash.col.supplier"),
                                                  ("net_amount", "purdash.col.net_amount")]),
            ("stock_by_warehouse", data["stock_by_warehouse"], [("warehouse", "purdash.col.warehouse"),
                                                                ("value", "purdash.col.value")]),
            ("slow_movers", data["slow_movers"], [("product", "purdash.col.product"),
                                                  ("quantity", "purdash.col.quantity"),
                                                  ("value", "purdash.col.value"),
                                                  ("last_out", "purdash.col.last_out")]),
            ("to_receive", data["to_receive"], [("supplier", "purdash.col.supplier"), ("lines", "purdash.col.lines"),
                                                ("amount", "purdash.col.amount")]),
            ("to_invoice", data["to_invoice"], [("supplier", "purdash.col.supplier"), ("lines", "purdash.col.lines"),
                                                ("amount", "purdash.col.amount")])):
        st.subheader(tr(f"purdash.table.{name}"))
        table(rows, cols, formatters=money2)
        if rows:
            export_buttons(rows, cols, f"{name}_{year}", f"purdash_export_{name}")
