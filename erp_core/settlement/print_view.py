"""The print-ready supplier statement (供应商对账单) as a self-contained HTML fragment: supplier, period, the
opening balance, each document of the period, the closing balance and the confirmation boxes both sides sign
and stamp (对账确认). Every value is HTML-escaped. Pages show it with st.html and offer it as a file; the browser
prints it."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

_CSS = """
<style>
.erp-stmt{font-family:"SimSun","Songti SC","Noto Serif CJK SC",serif;color:#000;background:#fff;max-width:960px;
  margin:0 auto;padding:16px 20px;border:1px solid #bbb}
.erp-stmt h2{text-align:center;letter-spacing:.3em;margin:4px 0 8px;font-size:22px}
.erp-stmt .meta{display:flex;justify-content:space-between;font-size:14px;margin:6px 0}
.erp-stmt table{width:100%;border-collapse:collapse;font-size:13px}
.erp-stmt th,.erp-stmt td{border:1px solid #000;padding:5px 6px}
.erp-stmt th{background:#f3f3f3;font-weight:normal}
.erp-stmt td.amt{text-align:right;font-family:"Courier New",monospace;white-space:nowrap}
.erp-stmt tr.sum td{font-weight:bold}
.erp-stmt table.sign td{border:none;padding:18px 8px 4px;width:50%}
@media print{.erp-stmt{border:none;max-width:none}}
</style>
"""

_TEXT = {
    "zh_CN": {"title": "供应商对账单", "supplier": "供应商", "period": "对账期间", "date": "日期", "doc": "单据",
              "number": "单据编号", "remarks": "摘要", "increase": "应付增加", "decrease": "付款",
              "applied": "预付冲应付", "balance": "余额", "opening": "期初余额", "closing": "期末余额",
              "company": "我方（盖章）", "partner": "供应商确认（盖章）", "sign_date": "日期：", "to": "至",
              "note": "余额为我方应付（扣除预付款后）金额；如有不符请于收到后 7 日内告知。"},
    "en": {"title": "Supplier statement", "supplier": "Supplier", "period": "Period", "date": "Date",
           "doc": "Document", "number": "Number", "remarks": "Remarks", "increase": "Invoiced", "decrease": "Paid",
           "applied": "Prepayment applied", "balance": "Balance", "opening": "Opening balance",
           "closing": "Closing balance", "company": "For us (stamp)", "partner": "Confirmed by the supplier (stamp)",
           "sign_date": "Date:", "to": "to",
           "note": "The balance is what we owe, net of prepayments; please tell us of any difference within 7 days."},
}


def _amt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def statement_html(st: Any, locale: str = "zh_CN", *, company_name: str = "") -> str:
    """``st``: a queries.Statement."""
    tx = _TEXT["zh_CN" if locale.startswith("zh") else "en"]
    zh = locale.startswith("zh")
    rows = [f"<tr><td></td><td colspan='3'>{escape(tx['opening'])}</td><td class='amt'></td><td class='amt'></td>"
            f"<td class='amt'></td><td class='amt'>{_amt(st.opening)}</td></tr>"]
    for r in st.rows:
        rows.append("<tr>" + "".join([
            f"<td>{escape(r['doc_date'].isoformat())}</td>",
            f"<td>{escape(r['doc_type_zh'] if zh else r['doc_type_en'])}</td>",
            f"<td>{escape(r['number'])}</td>", f"<td>{escape(r['remarks'] or '')}</td>",
            f"<td class='amt'>{_amt(r['increase'])}</td>", f"<td class='amt'>{_amt(r['decrease'])}</td>",
            f"<td class='amt'>{_amt(r['applied'])}</td>", f"<td class='amt'>{_amt(r['balance'])}</td>"]) + "</tr>")
    rows.append(f"<tr class='sum'><td></td><td colspan='3'>{escape(tx['closing'])}</td>"
                f"<td class='amt'>{_amt(st.increase)}</td><td class='amt'>{_amt(st.decrease)}</td><td></td>"
                f"<td class='amt'>{_amt(st.closing)}</td></tr>")
    head = "".join(f"<th>{escape(tx[k])}</th>" for k in ("date", "doc", "number", "remarks", "increase",
                                                          "decrease", "applied", "balance"))
    return (_CSS + "<div class='erp-stmt'>"
            f"<h2>{escape(company_name)} {escape(tx['title'])}</h2>"
            f"<div class='meta'><span>{escape(tx['supplier'])}：{escape(st.supplier_code)} {escape(st.supplier_name)}"
            f"</span><span>{escape(tx['period'])}：{escape(st.date_from.isoformat())} {escape(tx['to'])} "
            f"{escape(st.date_to.isoformat())}</span></div>"
            f"<table><tr>{head}</tr>{''.join(rows)}</table>"
            f"<p style='font-size:12px'>{escape(tx['note'])}</p>"
            f"<table class='sign'><tr><td>{escape(tx['company'])}<br><br>{escape(tx['sign_date'])}</td>"
            f"<td>{escape(tx['partner'])}<br><br>{escape(tx['sign_date'])}</td></tr></table></div>")
