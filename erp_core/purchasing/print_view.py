"""The printable purchase order (采购订单打印) as a self-contained HTML fragment: supplier, number, dates,
lines with quantity, price, VAT and amounts, totals with the amount in capital numerals, signature boxes.
Pages show it with st.html; the browser prints it. Every value is escaped."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from erp_core.finance.capital_numerals import capital_amount

_CSS = """
<style>
.erp-po{font-family:"SimSun","Songti SC","Noto Serif CJK SC",serif;color:#000;background:#fff;max-width:960px;
  margin:0 auto;padding:16px 20px;border:1px solid #bbb}
.erp-po h2{text-align:center;letter-spacing:.4em;margin:4px 0 8px;font-size:24px}
.erp-po .meta{display:flex;flex-wrap:wrap;justify-content:space-between;font-size:14px;margin:6px 0}
.erp-po table{width:100%;border-collapse:collapse;font-size:14px}
.erp-po th,.erp-po td{border:1px solid #000;padding:5px 7px}
.erp-po th{background:#f3f3f3;font-weight:normal}
.erp-po td.amt{text-align:right;font-family:"Courier New",monospace;white-space:nowrap}
.erp-po .sign{display:flex;justify-content:space-between;margin-top:14px;font-size:14px}
@media print{.erp-po{border:none;max-width:none}}
</style>
"""

_TEXT = {
    "zh_CN": {"title": "采购订单", "supplier": "供应商", "number": "订单号", "date": "订单日期",
              "delivery": "交货日期", "warehouse": "收货仓库", "no": "行", "product": "商品", "qty": "数量",
              "price": "单价", "price_vat": "含税单价", "rate": "税率", "net": "金额（不含税）", "tax": "税额",
              "gross": "价税合计", "total": "合计", "capital": "价税合计（大写）：{text}", "remarks": "备注",
              "buyer": "采购员", "approver": "审批", "supplier_sign": "供应商确认"},
    "en": {"title": "Purchase order", "supplier": "Supplier", "number": "Order no.", "date": "Order date",
           "delivery": "Delivery date", "warehouse": "Deliver to", "no": "#", "product": "Product", "qty": "Quantity",
           "price": "Unit price", "price_vat": "Unit price incl. VAT", "rate": "VAT rate", "net": "Net amount",
           "tax": "VAT", "gross": "Total incl. VAT", "total": "Total", "capital": "Amount in words (RMB): {text}",
           "remarks": "Remarks", "buyer": "Buyer", "approver": "Approved by", "supplier_sign": "Supplier"},
}


def _n(value: Any, places: int | None = None) -> str:
    if value is None:
        return ""
    d = Decimal(value)
    return f"{d:,.{places}f}" if places is not None else f"{d.normalize():,f}"


def order_html(order: dict[str, Any], locale: str = "zh_CN", *, company: str = "") -> str:
    """``order``: purchasing.queries.get_order's dict."""
    tx = _TEXT["en" if locale == "en" else "zh_CN"]
    e = escape
    rows = []
    for ln in order["lines"]:
        rows.append(
            f"<tr><td>{ln['line_no']}</td><td>{e(ln['product'])}</td><td class='amt'>{_n(ln['quantity'])}</td>"
            f"<td class='amt'>{_n(ln['unit_price'])}</td><td class='amt'>{_n(ln['tax_rate'] * 100)}%</td>"
            f"<td class='amt'>{_n(ln['net_amount'], 2)}</td><td class='amt'>{_n(ln['tax_amount'], 2)}</td>"
            f"<td class='amt'>{_n(ln['gross_amount'], 2)}</td></tr>")
    net = sum((ln["net_amount"] for ln in order["lines"]), Decimal(0))
    price_head = tx["price_vat"] if order.get("prices_include_vat") else tx["price"]
    delivery = order.get("delivery_date")
    return (
        f"{_CSS}<div class='erp-po'><h2>{e(company)} {tx['title']}</h2>"
        f"<div class='meta'><span>{tx['supplier']}：{e(order['supplier'])}</span>"
        f"<span>{tx['number']}：{e(order['number'])}</span></div>"
        f"<div class='meta'><span>{tx['date']}：{order['doc_date'].isoformat()}</span>"
        f"<span>{tx['delivery']}：{delivery.isoformat() if delivery else ''}</span>"
        f"<span>{tx['warehouse']}：{e(order.get('warehouse') or '')}</span></div>"
        f"<table><tr><th>{tx['no']}</th><th>{tx['product']}</th><th>{tx['qty']}</th><th>{price_head}</th>"
        f"<th>{tx['rate']}</th><th>{tx['net']}</th><th>{tx['tax']}</th><th>{tx['gross']}</th></tr>"
        + "".join(rows) +
        f"<tr><td colspan='5'>{tx['total']}</td><td class='amt'>{_n(net, 2)}</td>"
        f"<td class='amt'>{_n(order['tax_total'], 2)}</td><td class='amt'>{_n(order['total'], 2)}</td></tr>"
        f"<tr><td colspan='8'>{tx['capital'].format(text=e(capital_amount(order['total'])))}</td></tr>"
        f"<tr><td colspan='8'>{tx['remarks']}：{e(order.get('remarks') or '')}</td></tr></table>"
        f"<div class='sign'><span>{tx['buyer']}：</span><span>{tx['approver']}：</span>"
        f"<span>{tx['supplier_sign']}：</span></div></div>")
