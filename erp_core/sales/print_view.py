"""Printable sales documents as self-contained HTML fragments (pages show them with st.html; the browser prints
them): the quotation / sales order (customer, lines with price, VAT and amounts, total in capital numerals) and
the delivery note (发货单) for the driver (consignee, address, carrier, tracking number, quantities, signature of
receipt; no prices). Every value is escaped."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from erp_core.finance.capital_numerals import capital_amount

_CSS = """
<style>
.erp-so{font-family:"SimSun","Songti SC","Noto Serif CJK SC",serif;color:#000;background:#fff;max-width:960px;
  margin:0 auto;padding:16px 20px;border:1px solid #bbb}
.erp-so h2{text-align:center;letter-spacing:.4em;margin:4px 0 8px;font-size:24px}
.erp-so .meta{display:flex;flex-wrap:wrap;justify-content:space-between;font-size:14px;margin:6px 0}
.erp-so table{width:100%;border-collapse:collapse;font-size:14px}
.erp-so th,.erp-so td{border:1px solid #000;padding:5px 7px}
.erp-so th{background:#f3f3f3;font-weight:normal}
.erp-so td.amt{text-align:right;font-family:"Courier New",monospace;white-space:nowrap}
.erp-so .sign{display:flex;justify-content:space-between;margin-top:14px;font-size:14px}
@media print{.erp-so{border:none;max-width:none}}
</style>
"""

_TEXT = {
    "zh_CN": {"sales_order": "销售订单", "sales_quotation": "报价单", "delivery": "发货单", "customer": "客户",
              "number": "单号", "date": "日期", "delivery_date": "交货日期", "valid_until": "有效期至",
              "warehouse": "发货仓库", "no": "行", "product": "商品", "qty": "数量", "price": "单价",
              "price_vat": "含税单价", "rate": "税率", "net": "金额（不含税）", "tax": "税额", "gross": "价税合计",
              "total": "合计", "capital": "价税合计（大写）：{text}", "remarks": "备注", "seller": "业务员",
              "approver": "审核", "customer_sign": "客户确认", "consignee": "收货人", "phone": "电话",
              "address": "收货地址", "carrier": "承运商", "method": "发货方式", "tracking": "运单号",
              "order": "订单", "ship_date": "发货日期", "shipper": "发货人", "driver": "司机",
              "receiver": "收货人签收", "methods": {"express": "快递", "freight": "物流", "pickup": "自提",
                                                 "delivery": "送货"}},
    "en": {"sales_order": "Sales order", "sales_quotation": "Quotation", "delivery": "Delivery note",
           "customer": "Customer", "number": "No.", "date": "Date", "delivery_date": "Delivery date",
           "valid_until": "Valid until", "warehouse": "Ship from", "no": "#", "product": "Product",
           "qty": "Quantity", "price": "Unit price", "price_vat": "Unit price incl. VAT", "rate": "VAT rate",
           "net": "Net amount", "tax": "VAT", "gross": "Total incl. VAT", "total": "Total",
           "capital": "Amount in words (RMB): {text}", "remarks": "Remarks", "seller": "Salesperson",
           "approver": "Approved by", "customer_sign": "Customer", "consignee": "Consignee", "phone": "Phone",
           "address": "Address", "carrier": "Carrier", "method": "Shipping method", "tracking": "Tracking no.",
           "order": "Order", "ship_date": "Ship date", "shipper": "Shipped by", "driver": "Driver",
           "receiver": "Received by", "methods": {"express": "Express", "freight": "Freight",
                                                  "pickup": "Pick-up", "delivery": "Delivery"}},
}


def _n(value: Any, places: int | None = None) -> str:
    if value is None:
        return ""
    d = Decimal(value)
    return f"{d:,.{places}f}" if places is not None else f"{d.normalize():,f}"


def order_html(doc: dict[str, Any], locale: str = "zh_CN", *, company: str = "") -> str:
    """``doc``: sales.queries.get_order's or get_quotation's dict."""
    tx = _TEXT["en" if locale == "en" else "zh_CN"]
    e = escape
    rows = [f"<tr><td>{ln['line_no']}</td><td>{e(ln['product'])}</td><td class='amt'>{_n(ln['quantity'])}</td>"
            f"<td class='amt'>{_n(ln['unit_price'])}</td><td class='amt'>{_n(ln['tax_rate'] * 100)}%</td>"
            f"<td class='amt'>{_n(ln['net_amount'], 2)}</td><td class='amt'>{_n(ln['tax_amount'], 2)}</td>"
            f"<td class='amt'>{_n(ln['gross_amount'], 2)}</td></tr>" for ln in doc["lines"]]
    net = sum((ln["net_amount"] for ln in doc["lines"]), Decimal(0))
    price_head = tx["price_vat"] if doc.get("prices_include_vat") else tx["price"]
    title = tx.get(doc.get("type", "sales_order"), tx["sales_order"])
    second = ("valid_until", doc.get("valid_until")) if doc.get("type") == "sales_quotation" else \
        ("delivery_date", doc.get("delivery_date"))
    return (
        f"{_CSS}<div class='erp-so'><h2>{e(company)} {title}</h2>"
        f"<div class='meta'><span>{tx['customer']}：{e(doc['customer'])}</span>"
        f"<span>{tx['number']}：{e(doc['number'])}</span></div>"
        f"<div class='meta'><span>{tx['date']}：{doc['doc_date'].isoformat()}</span>"
        f"<span>{tx[second[0]]}：{second[1].isoformat() if second[1] else ''}</span>"
        f"<span>{tx['warehouse']}：{e(doc.get('warehouse') or '')}</span></div>"
        f"<table><tr><th>{tx['no']}</th><th>{tx['product']}</th><th>{tx['qty']}</th><th>{price_head}</th>"
        f"<th>{tx['rate']}</th><th>{tx['net']}</th><th>{tx['tax']}</th><th>{tx['gross']}</th></tr>"
        + "".join(rows) +
        f"<tr><td colspan='5'>{tx['total']}</td><td class='amt'>{_n(net, 2)}</td>"
        f"<td class='amt'>{_n(doc['tax_total'], 2)}</td><td class='amt'>{_n(doc['total'], 2)}</td></tr>"
        f"<tr><td colspan='8'>{tx['capital'].format(text=e(capital_amount(doc['total'])))}</td></tr>"
        f"<tr><td colspan='8'>{tx['remarks']}：{e(doc.get('remarks') or '')}</td></tr></table>"
        f"<div class='sign'><span>{tx['seller']}：</span><span>{tx['approver']}：</span>"
        f"<span>{tx['customer_sign']}：</span></div></div>")


def delivery_html(doc: dict[str, Any], locale: str = "zh_CN", *, company: str = "") -> str:
    """``doc``: sales.queries.get_delivery's dict. Quantities only (the driver's copy shows no prices)."""
    tx = _TEXT["en" if locale == "en" else "zh_CN"]
    e = escape
    rows = [f"<tr><td>{ln['line_no']}</td><td>{e(ln.get('order') or '')}</td><td>{e(ln['product'])}</td>"
            f"<td>{e(ln.get('warehouse') or '')}</td><td class='amt'>{_n(ln['quantity'])}</td>"
            f"<td>{e(ln.get('remarks') or '')}</td></tr>" for ln in doc["lines"]]
    qty = sum((ln["quantity"] for ln in doc["lines"]), Decimal(0))
    method = tx["methods"].get(doc.get("shipping_method") or "", doc.get("shipping_method") or "")
    return (
        f"{_CSS}<div class='erp-so'><h2>{e(company)} {tx['delivery']}</h2>"
        f"<div class='meta'><span>{tx['customer']}：{e(doc['customer'])}</span>"
        f"<span>{tx['number']}：{e(doc['number'])}</span>"
        f"<span>{tx['ship_date']}：{doc['doc_date'].isoformat()}</span></div>"
        f"<div class='meta'><span>{tx['consignee']}：{e(doc.get('consignee') or '')}</span>"
        f"<span>{tx['phone']}：{e(doc.get('consignee_phone') or '')}</span>"
        f"<span>{tx['address']}：{e(doc.get('ship_address') or '')}</span></div>"
        f"<div class='meta'><span>{tx['carrier']}：{e(doc.get('carrier') or '')}</span>"
        f"<span>{tx['method']}：{e(method)}</span>"
        f"<span>{tx['tracking']}：{e(doc.get('tracking_no') or '')}</span></div>"
        f"<table><tr><th>{tx['no']}</th><th>{tx['order']}</th><th>{tx['product']}</th><th>{tx['warehouse']}</th>"
        f"<th>{tx['qty']}</th><th>{tx['remarks']}</th></tr>" + "".join(rows) +
        f"<tr><td colspan='4'>{tx['total']}</td><td class='amt'>{_n(qty)}</td><td></td></tr>"
        f"<tr><td colspan='6'>{tx['remarks']}：{e(doc.get('remarks') or '')}</td></tr></table>"
        f"<div class='sign'><span>{tx['shipper']}：</span><span>{tx['driver']}：</span>"
        f"<span>{tx['receiver']}：</span></div></div>")
