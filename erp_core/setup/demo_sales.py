"""The demo company's sales as real documents (销售订单 -> 销售出库单), replacing the 其他出库 to cost of sales the
demo year used to post for each sale: each sale is an order by the salesperson (wang.xiaoshou, confirmed: stock is
reserved) at the sale's net prices, and a delivery from 长沙总仓 by the warehouse keeper (chen.cangguan, posted:
stock issue at the moving average + Dr 5401 / Cr 1405 with the customer's department on the cost line). Every
fifth sale starts from a quotation (报价单 -> 销售订单); about once a quarter a customer sends part of a line back
(销售退货 at the delivery's cost) before it is invoiced, and twice a year (``late_return``, called by the billing
builder) after it was invoiced, which the billing side credits with a red invoice (红字发票) naming the return.

Revenue, output VAT and the receivable are still posted by demo_year's voucher per sale until the sales invoices
exist (billing); since nothing is invoiced yet, every delivery would count as "delivered, not invoiced" against
the customer's credit limit, so the demo company's credit control is "off" (billing switches it on with invoices).
``DemoSales.deliveries`` lists (ship date, customer id, delivery id, department id) of every sale, in date order,
for whoever builds on them (invoices from deliveries). Called from demo_year._month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.db.uow import Database
from erp_core.kernel.actor import Actor
from erp_core.sales import queries as sq
from erp_core.sales import services as ss

SELLER, KEEPER = "wang.xiaoshou", "chen.cangguan"
QUOTE_EVERY = 5  # every fifth sale starts from a quotation
RETURN_EVERY = 17  # every seventeenth sale has part of its first line sent back a few days later


class DemoSales:
    def __init__(self, db: Database, company_id: int, seller: Actor, keeper: Actor, admin: Actor,
                 products: dict[str, int], warehouse_id: int) -> None:
        self.db, self.company_id = db, company_id
        self.seller, self.keeper, self.admin = seller, keeper, admin
        self.products, self.warehouse = products, warehouse_id
        self.deliveries: list[tuple[dt.date, int, int, int | None]] = []
        self.returns: list[int] = []
        self.order_of: dict[int, int] = {}  # delivery id -> order id
        self.count = 0
        ss.set_sales_setting(db, admin, max_discount_pct="0", credit_control="off", allow_over_reserve=False)

    @classmethod
    def for_company(cls, db: Database, company_id: int, admin: Actor, products: dict[str, int],
                    warehouse_id: int, actor_of) -> DemoSales:
        from erp_core.security.models import User

        with db.uow(readonly=True) as uow:
            ids = dict(uow.session.execute(select(User.username, User.id).where(
                User.company_id == company_id, User.username.in_((SELLER, KEEPER)))).all())
        return cls(db, company_id, actor_of(db, ids[SELLER]), actor_of(db, ids[KEEPER]), admin, products,
                   warehouse_id)

    def sell(self, day: dt.date, customer_id: int, lines: list[tuple[str, int, Decimal]],
             department_id: int | None, project_id: int | None = None) -> int:
        """One sale: (product code, quantity, net unit price) lines ordered, confirmed and shipped in full on
        ``day``; returns the posted delivery's id."""
        self.count += 1
        rows = [{"product_id": self.products[code], "quantity": Decimal(qty), "unit_price": price}
                for code, qty, price in lines]
        if self.count % QUOTE_EVERY == 0 and project_id is None:
            qid = ss.create_quotation(self.db, self.seller, customer_id=customer_id, doc_date=day, lines=rows,
                                      prices_include_vat=False, warehouse_id=self.warehouse,
                                      department_id=department_id, valid_until=day + dt.timedelta(days=15))
            ss.send_quotation(self.db, self.seller, quotation_id=qid)
            order_id = ss.order_from_quotation(self.db, self.seller, quotation_id=qid, doc_date=day)
        else:
            order_id = ss.create_order(self.db, self.seller, customer_id=customer_id, doc_date=day, lines=rows,
                                       prices_include_vat=False, warehouse_id=self.warehouse,
                                       department_id=department_id, project_id=project_id, delivery_date=day)
        ss.confirm_order(self.db, self.seller, order_id=order_id)
        open_lines = [r for r in sq.deliverable_lines(self.db, self.keeper, customer_id=customer_id)
                      if r["order_id"] == order_id]
        delivery_id = ss.create_delivery(self.db, self.keeper, doc_date=day, shipping_method="delivery",
                                         carrier="本公司车队", lines=[{"order_line_id": r["order_line_id"],
                                                                       "quantity": r["to_deliver"]}
                                                                      for r in open_lines])
        ss.post_delivery(self.db, self.keeper, delivery_id=delivery_id)
        self.deliveries.append((day, customer_id, delivery_id, department_id))
        self.order_of[delivery_id] = order_id
        return delivery_id

    def late_return(self, day: dt.date, delivery_id: int) -> int | None:
        """Goods sent back after the sale was invoiced (the billing side then issues a red invoice for this
        return): two units of the delivery's first line (one if it shipped one), posted on ``day`` by the
        warehouse keeper; the customer wants no replacement, so the order is closed. None when the delivery's
        order is no longer open (it had a return already)."""
        order_id = self.order_of.get(delivery_id)
        if order_id is None or sq.get_order(self.db, self.seller, order_id=order_id)["status"] != "confirmed":
            return None
        line = sq.get_delivery(self.db, self.keeper, delivery_id=delivery_id)["lines"][0]
        qty = min(Decimal(2), line["ordered_qty"] - line["returned_qty"])
        if qty <= 0:
            return None
        rid = ss.create_return(self.db, self.keeper, doc_date=day, reason="客户验收发现包装受潮，开票后退回",
                               lines=[{"delivery_line_id": line["id"], "quantity": qty}])
        ss.post_return(self.db, self.keeper, return_id=rid)
        ss.close_order(self.db, self.seller, order_id=order_id, comment="开票后退货，开红字发票，不再补发")
        self.returns.append(rid)
        return rid

    def maybe_return(self, day: dt.date, delivery_id: int) -> int | None:
        """Every RETURN_EVERY-th sale: one unit of its first line comes back (破损), posted on ``day``; the
        customer wants no replacement, so the order is closed (its reservation released)."""
        if self.count % RETURN_EVERY != 0:
            return None
        line = sq.get_delivery(self.db, self.keeper, delivery_id=delivery_id)["lines"][0]
        rid = ss.create_return(self.db, self.keeper, doc_date=day, reason="运输破损，客户退回",
                               lines=[{"delivery_line_id": line["id"], "quantity": Decimal(1)}])
        ss.post_return(self.db, self.keeper, return_id=rid)
        ss.close_order(self.db, self.seller, order_id=self.order_of[delivery_id], comment="客户退货，不再补发")
        self.returns.append(rid)
        return rid
