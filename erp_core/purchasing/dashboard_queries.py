"""采购与库存看板 (purchasing & inventory dashboard), read through the analytics path (issue #17 item 5).

- Stock figures (value by warehouse and by category, slow movers) come from the DuckDB copy of the stock ledger
  (analytics/stock.py): one snapshot, no pooled connection held while it is read.
- Document figures (purchases by month and supplier, open orders to receive, receipts to invoice) are short
  aggregates over the purchase documents read through the engine (``op_rows``: the DuckDB scanner on PostgreSQL
  and MariaDB, a read-only SQLAlchemy connection on SQLite), never a long unit of work.
- :func:`purchasing_dashboard_stamp` is the cheap per-rerun look-up a page keeps its figures by: the audit
  chain's change stamp (analytics/stamps.py; a receipt, an invoice, an order's confirmation or closing are all
  use cases), kept per process for a second. Same stamp, same actor and inputs: same figures.

The figures are company totals: the permission (purchasing.analysis.view) must be granted company-wide
(a department or own grant is refused, as for the other company-wide figures). Each figure equals the
operational query it summarizes (purchase_analysis, lines_to_receive, lines_to_invoice, stock_as_of): see
tests/purchasing/test_dashboard.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from erp_core.analytics import stamps
from erp_core.analytics import stock as stock_copy
from erp_core.analytics.engine import engine_for
from erp_core.analytics.stamps import Changes
from erp_core.security.scope import require_company_wide
from erp_core.settings.common import require_company
from erp_core.usecase import Context, query

VIEW = ("purchasing.analysis.view", "查看采购分析", "View purchase analysis")
CONFIRMED = ("confirmed", "sent", "closed")  # purchasing.documents.CONFIRMED
ORDER_OPEN = ("confirmed", "sent")  # purchasing.queries.ORDER_OPEN
FEN = Decimal("0.01")
SLOW_DAYS = 90
TOP = 10


@dataclass(frozen=True)
class DashboardStamp:
    """The change stamp the page keeps its figures by (analytics/stamps.py): the audit chain's last sequence
    number moves with every use case (a receipt moves stock, an invoice posts a voucher, an order's confirmation
    or closing changes its header). Read per process at most once a second, on a connection released at once: a
    rerun with nothing new costs no statement of its own. The key leaves out the clock's minute: the figures
    that depend on "now" (slow movers) depend on the day, which the page's own key holds, so a session does not
    read its figures again every minute while nothing changed."""

    changes: Changes

    @property
    def key(self) -> tuple:
        return (self.changes.seq,)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _d(eng, day: dt.date):
    """A date parameter as the backend's reader wants it (SQLite keeps ISO text)."""
    return day if eng.attached else day.isoformat()


def _amount(qty_micro: int, price_micro: int) -> Decimal:
    return (Decimal(int(qty_micro)).scaleb(-6) * Decimal(int(price_micro)).scaleb(-6)).quantize(
        FEN, rounding=ROUND_HALF_UP)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2], session=False)
def purchasing_dashboard_stamp(ctx: Context) -> DashboardStamp:
    """What the dashboard's figures depend on, cheaply (the figures themselves sync the copies when something is
    new and say what they are as of)."""
    require_company(ctx)
    require_company_wide(ctx)
    return DashboardStamp(stamps.current(ctx.db))


@query(VIEW[0], zh=VIEW[1], en=VIEW[2], session=False)
def purchasing_dashboard(ctx: Context, *, year: int, on: dt.date | None = None) -> dict[str, Any]:
    """The dashboard's series for ``year`` (purchases) and as of ``on`` (stock; today when None):
    ``by_month`` [{period, net_amount}] x 12, ``by_supplier`` [{supplier_id, supplier, net_amount}] (top 10),
    ``stock_by_warehouse`` / ``stock_by_category`` [{..., value}], ``slow_movers`` [{product, quantity, value,
    last_out}], ``to_receive`` / ``to_invoice`` [{supplier_id, supplier, lines, amount}], ``as_of`` (stock)."""
    cid = require_company(ctx)
    require_company_wide(ctx)
    on = on or dt.date.today()
    eng = engine_for(ctx.db)
    start, end = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    # -- purchases: confirmed orders of the year by month (of the order date) and supplier
    orders = eng.op_rows(
        "SELECT o.doc_date, o.partner_id, sum(l.net_amount) FROM {op}purchase_order o "
        "JOIN {op}purchase_order_line l ON l.header_id = o.id "
        f"WHERE o.company_id = ? AND o.status IN ({_in(CONFIRMED)}) AND o.doc_date >= ? AND o.doc_date <= ? "
        "GROUP BY o.id, o.doc_date, o.partner_id", [cid, _d(eng, start), _d(eng, end)])
    months: dict[str, Decimal] = {f"{year}-{m:02d}": Decimal(0) for m in range(1, 13)}
    suppliers: dict[int, Decimal] = defaultdict(Decimal)
    for day, partner, net in orders:
        amount = Decimal(int(net or 0)).scaleb(-2)
        months[str(day)[:7]] += amount
        suppliers[partner] += amount
    # -- open order lines to receive, posted receipt lines to invoice (per supplier)
    to_receive: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for partner, ordered, received, returned, price in eng.op_rows(
            "SELECT o.partner_id, l.ordered_qty, l.received_qty, l.returned_qty, l.net_price "
            "FROM {op}purchase_order o JOIN {op}purchase_order_line l ON l.header_id = o.id "
            f"WHERE o.company_id = ? AND o.status IN ({_in(ORDER_OPEN)})", [cid]):
        left = int(ordered) - int(received) + int(returned)
        if left > 0:
            acc = to_receive[partner]
            acc[0] += 1
            acc[1] += _amount(left, price)
    to_invoice: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for partner, received, returned, invoiced, price in eng.op_rows(
            "SELECT r.partner_id, l.ordered_qty, l.returned_qty, l.invoiced_qty, l.unit_price "
            "FROM {op}purchase_receipt r JOIN {op}purchase_receipt_line l ON l.header_id = r.id "
            "WHERE r.company_id = ? AND r.status = 'posted' AND r.reverses_id IS NULL", [cid]):
        left = int(received) - int(returned) - int(invoiced)
        if left > 0:
            acc = to_invoice[partner]
            acc[0] += 1
            acc[1] += _amount(left, price)
    # -- stock, from the analytics copy (one snapshot)
    with stock_copy.reading(eng, cid) as snap:
        sums = stock_copy.on_hand(snap, cid, on)
        slow = stock_copy.slow_movers(snap, cid, on, SLOW_DAYS, TOP)
        as_of = snap.as_of
    # -- names (small company tables)
    names = {"supplier": _names(eng, "supplier", cid), "warehouse": _names(eng, "warehouse", cid)}
    products = {pid: (code, name, cat) for pid, code, name, cat in eng.op_rows(
        "SELECT id, code, name, category_id FROM {op}product WHERE company_id = ?", [cid])}
    categories = _names(eng, "product_category", cid)
    by_wh: dict[int, Decimal] = defaultdict(Decimal)
    by_cat: dict[int | None, Decimal] = defaultdict(Decimal)
    for wid, _, pid, _q, value in sums:
        by_wh[wid] += value
        by_cat[products.get(pid, (None, None, None))[2]] += value

    def partner_rows(acc: dict) -> list[dict]:
        return [{"supplier_id": p, "supplier": names["supplier"].get(p, str(p)), "lines": n, "amount": a}
                for p, (n, a) in sorted(acc.items(), key=lambda kv: (-kv[1][1], kv[0] or 0))]

    return {
        "year": int(year), "on": on, "as_of": as_of,
        "by_month": [{"period": p, "net_amount": a} for p, a in months.items()],
        "by_supplier": [{"supplier_id": p, "supplier": names["supplier"].get(p, str(p)), "net_amount": a}
                        for p, a in sorted(suppliers.items(), key=lambda kv: (-kv[1], kv[0] or 0))[:TOP]],
        "stock_by_warehouse": [{"warehouse_id": w, "warehouse": names["warehouse"].get(w, str(w)), "value": v}
                               for w, v in sorted(by_wh.items(), key=lambda kv: (-kv[1], kv[0]))],
        "stock_by_category": [{"category_id": c, "category": categories.get(c, "") if c else "", "value": v}
                              for c, v in sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0] or 0))],
        "slow_movers": [{**r, "product": " ".join(x for x in products.get(r["product_id"], ("", "", None))[:2]
                                                  if x)} for r in slow],
        "to_receive": partner_rows(to_receive),
        "to_invoice": partner_rows(to_invoice),
    }


def _names(eng, table: str, cid: int) -> dict[int, str]:
    return {i: f"{c} {n}".strip() for i, c, n in eng.op_rows(
        f"SELECT id, code, name FROM {{op}}{table} WHERE company_id = ?", [cid])}
