"""The demo company's purchases as real documents (采购订单 -> 采购入库单 -> 采购发票), replacing the plain purchase
vouchers the demo year used to post: each purchase is an order by the purchaser (zhao.caigou, confirmed), a receipt
into 长沙总仓 by the warehouse keeper (chen.cangguan, posted: stock moves + the 暂估 voucher) and, a few days later,
the supplier's special VAT invoice booked by the accountant (li.kuaiji). Every third purchase is invoiced 2 %
above the order price (a price variance, revalued in the stock ledger); the first six months book invoices by
单到回冲, the later ones by 单到补差. An invoice that would fall after today stays missing: the open month keeps
some goods on 暂估, as a real company's does.

The books stay what they were: stock on 1405 at cost, input VAT on 22210101, the amount owed on 2202 per supplier
(the next month's payment settles what was invoiced). No approval rule exists in the demo, so orders confirm at
once. Called from demo_year._month (one purchase per planned purchase, in date order)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.purchasing import queries as pq
from erp_core.purchasing import services as ps
from erp_core.setup import demo_data as data

BUYER, KEEPER = "zhao.caigou", "chen.cangguan"
VARIANCE = Decimal("1.02")
INVOICE_AFTER_DAYS = 5
METHOD_SWITCH_AFTER = 6  # months of 单到回冲 before 单到补差


class DemoPurchases:
    def __init__(self, db: Database, company_id: int, staff: dict[str, Actor], accountant: Actor, admin: Actor,
                 products: dict[str, int], warehouses: dict[str, int]) -> None:
        self.db, self.company_id = db, company_id
        self.buyer, self.keeper, self.accountant, self.admin = staff[BUYER], staff[KEEPER], accountant, admin
        self.products, self.warehouse = products, warehouses[data.WAREHOUSES[0][0]]
        self.receipts: dict[tuple[dt.date, int], int] = {}
        self.months: list[str] = []

    def _month(self, day: dt.date) -> None:
        period = f"{day.year:04d}-{day.month:02d}"
        if period not in self.months:
            self.months.append(period)
            if len(self.months) == METHOD_SWITCH_AFTER + 1:
                ps.set_purchase_setting(self.db, self.admin, over_receipt_pct="0", invoice_method="difference")

    def receive_quantities(self, day: dt.date, supplier_id: int, quantities: dict[str, int], n: int) -> None:
        """Order and receive these quantities (product code -> quantity) at their cost price."""
        self._month(day)
        lines = [{"product_id": self.products[code], "quantity": Decimal(qty),
                  "unit_price": data.price(next(p for p in data.PRODUCTS if p[0] == code)[5])}
                 for code, qty in sorted(quantities.items())]
        self._order_and_receive(day, supplier_id, lines, n)

    def receive(self, day: dt.date, supplier_id: int, net: Decimal, n: int) -> None:
        """Order and receive about ``net`` (excl. VAT) of two products at their cost price (the n-th purchase of
        the month picks them, so no random draw is spent)."""
        self._month(day)
        i = (day.month * 3 + n) % len(data.PRODUCTS)
        picks = [data.PRODUCTS[i], data.PRODUCTS[(i + 5) % len(data.PRODUCTS)]]
        lines = []
        for k, p in enumerate(picks):
            cost = data.price(p[5])
            share = net / 2 if k == 0 else net - sum((ln["quantity"] * ln["unit_price"] for ln in lines),
                                                     Decimal(0))
            qty = max(Decimal(1), (share / cost).quantize(Decimal(1), rounding=ROUND_DOWN))
            lines.append({"product_id": self.products[p[0]], "quantity": qty, "unit_price": cost})
        self._order_and_receive(day, supplier_id, lines, n)

    def _order_and_receive(self, day: dt.date, supplier_id: int, lines: list[dict], n: int) -> None:
        order_id = ps.create_order(self.db, self.buyer, supplier_id=supplier_id, doc_date=day,
                                   warehouse_id=self.warehouse, lines=lines)
        ps.confirm_order(self.db, self.buyer, order_id=order_id)
        left = pq.lines_to_receive(self.db, self.keeper, order_id=order_id)
        receipt_id = ps.create_receipt(self.db, self.keeper, doc_date=day, lines=[
            {"order_line_id": r["order_line_id"], "quantity": r["quantity"]} for r in left])
        ps.post_receipt(self.db, self.keeper, receipt_id=receipt_id)
        self.receipts[(day, n)] = receipt_id

    def invoice(self, day: dt.date, received: dt.date, n: int) -> Decimal:
        """The supplier's special VAT invoice for the receipt of ``received``; returns the amount owed."""
        receipt_id = self.receipts.pop((received, n))
        left = pq.lines_to_invoice(self.db, self.accountant, receipt_id=receipt_id)
        up = VARIANCE if n % 3 == 2 else Decimal(1)
        invoice_id = ps.create_invoice(
            self.db, self.accountant, doc_date=day, invoice_no=f"{day:%y%m%d}{n:02d}", vat_kind="special",
            lines=[{"receipt_line_id": r["receipt_line_id"], "quantity": r["quantity"],
                    "unit_price": (r["unit_price"] * up).quantize(Decimal("0.01"))} for r in left])
        ps.post_invoice(self.db, self.accountant, invoice_id=invoice_id)
        return pq.get_invoice(self.db, self.accountant, invoice_id=invoice_id)["total"]
