"""The print-ready voucher (记账凭证) in the usual layout, as a self-contained HTML fragment: company, date,
number, attachments; summary / account / debit / credit lines; totals with the amount in capital numerals
(大写金额); the signature boxes of the usual form (会计主管 记账 出纳 审核 制单), with the names of the people
who posted, reviewed and prepared it (their display names, not their login names; 会计主管 and 出纳 sign by hand).
Pages show it with st.html; the browser prints it."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from erp_core.finance.capital_numerals import capital_amount
from erp_core.finance.print_queries import Signatures
from erp_core.finance.queries import VoucherDetail

_CSS = """
<style>
.erp-voucher{font-family:"SimSun","Songti SC","Noto Serif CJK SC",serif;color:#000;background:#fff;
  max-width:960px;margin:0 auto;padding:16px 20px;border:1px solid #bbb}
.erp-voucher h2{text-align:center;letter-spacing:.6em;margin:4px 0 2px;font-size:24px;
  text-decoration:underline double}
.erp-voucher .meta{display:flex;justify-content:space-between;font-size:14px;margin:8px 0}
.erp-voucher table{width:100%;border-collapse:collapse;font-size:14px}
.erp-voucher th,.erp-voucher td{border:1px solid #000;padding:6px 8px;height:28px}
.erp-voucher th{background:#f3f3f3;font-weight:normal}
.erp-voucher td.amt{text-align:right;font-family:"Courier New",monospace;white-space:nowrap}
.erp-voucher td.total{font-weight:bold}
.erp-voucher table.sign{margin-top:10px;font-size:14px}
.erp-voucher table.sign td{border:none;padding:4px 8px;width:20%;white-space:nowrap}
.erp-voucher .stamp{color:#b00;border:2px solid #b00;padding:0 6px;font-weight:bold}
@media print{.erp-voucher{border:none;max-width:none}}
</style>
"""

_TEXT = {
    "zh_CN": {"title": "记账凭证", "company": "核算单位", "date": "日期", "no": "{type}字第 {number:04d} 号",
              "att": "附单据 {n} 张", "summary": "摘要", "account": "会计科目", "debit": "借方金额",
              "credit": "贷方金额", "total": "合计", "capital": "人民币（大写）：{text}", "supervisor": "会计主管",
              "poster": "记账", "cashier": "出纳", "reviewer": "审核", "preparer": "制单", "reversal": "冲销", "draft": "草稿",
              "reviewed": "已审核", "posted": "已记账", "period": "期间"},
    "en": {"title": "Journal voucher", "company": "Entity", "date": "Date", "no": "{type} No. {number:04d}",
           "att": "{n} attachment(s)", "summary": "Summary", "account": "Account", "debit": "Debit",
           "credit": "Credit", "total": "Total", "capital": "Amount in words (RMB): {text}",
           "supervisor": "Chief accountant", "poster": "Posted by", "cashier": "Cashier",
           "reviewer": "Reviewed by", "preparer": "Prepared by", "reversal": "Reversal", "draft": "Draft",
           "reviewed": "Reviewed", "posted": "Posted", "period": "Period"},
}


def _amount(value: Decimal) -> str:
    return "" if value == 0 else f"{value:,.2f}"


def voucher_html(v: VoucherDetail, locale: str = "zh_CN", *, min_rows: int = 5,
                 signatures: Signatures | None = None) -> str:
    """The voucher as printable HTML (every value escaped). Short vouchers get blank rows, as paper forms do.
    ``signatures``: from voucher_signatures (people's names); without it the stored login names are shown."""
    sig = signatures or Signatures(poster=v.posted_by_name or "", reviewer=v.reviewed_by_name or "",
                                   preparer=v.created_by_name or "")
    tx = _TEXT["en" if locale == "en" else "zh_CN"]
    e = escape
    day = (f"{v.voucher_date.year}年{v.voucher_date.month}月{v.voucher_date.day}日" if locale != "en"
           else v.voucher_date.isoformat())
    rows = []
    for ln in v.lines:
        rows.append(f"<tr><td>{e(ln.summary)}</td><td>{e(ln.account_code)} {e(ln.account_name)}</td>"
                    f"<td class='amt'>{_amount(ln.debit)}</td><td class='amt'>{_amount(ln.credit)}</td></tr>")
    rows += ["<tr><td></td><td></td><td></td><td></td></tr>"] * max(0, min_rows - len(v.lines))
    capital = tx["capital"].format(text=capital_amount(v.total_debit))
    status = tx.get(v.status, v.status)
    reversal = f" <span class='stamp'>{tx['reversal']}</span>" if v.reverses_id else ""
    return (
        _CSS + "<div class='erp-voucher'>"
        f"<h2>{tx['title']}</h2>"
        f"<div class='meta'><span>{tx['company']}：{e(v.company_name)}</span>"
        f"<span>{tx['date']}：{e(day)}</span>"
        f"<span>{e(tx['no'].format(type=v.voucher_type, number=v.number))}</span>"
        f"<span>{e(tx['att'].format(n=v.attachments))}</span></div>"
        f"<div class='meta'><span>{tx['period']}：{e(v.period)}</span>"
        f"<span class='stamp'>{e(status)}</span>{reversal}</div>"
        "<table><thead><tr>"
        f"<th style='width:28%'>{tx['summary']}</th><th style='width:36%'>{tx['account']}</th>"
        f"<th style='width:18%'>{tx['debit']}</th><th style='width:18%'>{tx['credit']}</th></tr></thead><tbody>"
        + "".join(rows)
        + f"<tr><td class='total' colspan='2'>{tx['total']}　{e(capital)}</td>"
        f"<td class='amt total'>{v.total_debit:,.2f}</td><td class='amt total'>{v.total_credit:,.2f}</td></tr>"
        "</tbody></table>"
        "<table class='sign'><tr>"
        + "".join(f"<td>{tx[k]}：{e(getattr(sig, k))}</td>" for k in Signatures.ORDER)
        + "</tr></table>"
        "</div>"
    )
