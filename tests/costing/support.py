"""Plain stock postings with their vouchers, the way a posting function does it (the stock moves, then the
voucher built from the same amounts, keyed alike, then the backdated-posting hook), for the costing tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.costing.recompute import after_stock_posting
from erp_core.documents.accounts import account_for
from erp_core.inventory.models import StockMove
from erp_core.inventory.posting import move_amount, post_stock_moves
from erp_core.inventory.valuation import issue_unit_cost
from erp_core.ledger.posting import create_and_post_system_voucher
from erp_core.usecase import Context
from tests.inventory.support import build  # noqa: F401  (re-exported for the tests)

D = Decimal


class Books:
    """Post receipts, issues, transfers, returns and revaluations for a company built by tests.inventory.support."""

    def __init__(self, db, st) -> None:
        self.db, self.st, self.n = db, st, 0

    def _ctx(self, uow):
        return Context(uow.session, self.st.admin, "inventory.test", self.db, company_id=self.st.company_id)

    def _key(self, kind: str) -> str:
        self.n += 1
        return f"t:{kind}:{self.n}"

    def _post(self, moves, day, lines, kind):
        key = self._key(kind)
        with self.db.uow() as uow:
            ctx = self._ctx(uow)
            res = post_stock_moves(ctx, moves=moves, posting_key=key, move_date=day, source_type="test")
            lines = [ln for ln in lines(ctx) if ln["debit"] or ln["credit"]]
            if lines:
                create_and_post_system_voucher(ctx, voucher_date=day, lines=lines, posting_key=key)
            after_stock_posting(ctx, res, move_date=day)
            uow.commit()
        return res

    def ids(self, product, wh):
        return self.st.products[product], self.st.warehouses[wh]

    def receive(self, product, qty, cost, day, wh="WH01", move_type="receipt"):
        p, w = self.ids(product, wh)
        amount = move_amount(D(qty), D(cost))

        def lines(ctx):
            return [{"account_code": account_for(ctx, "stock", product_id=p, warehouse_id=w), "debit": amount,
                     "credit": D(0), "summary": "入库", "product_id": p},
                    {"account_code": "1002", "debit": D(0), "credit": amount, "summary": "入库"}]
        return self._post([{"warehouse_id": w, "product_id": p, "quantity": D(qty), "unit_cost": D(cost),
                            "move_type": move_type}], day, lines, "in")

    def issue(self, product, qty, day, wh="WH01", expense=None):
        """An issue valued by issue_unit_cost (what a posting function does), expensed to ``expense``."""
        p, w = self.ids(product, wh)
        with self.db.uow(readonly=True) as uow:
            unit = issue_unit_cost(self._ctx(uow), product_id=p, warehouse_id=w, on=day, quantity=D(qty))
        amount = move_amount(-D(qty), unit)

        def lines(ctx):
            return [{"account_code": expense or account_for(ctx, "cogs", product_id=p), "debit": -amount,
                     "credit": D(0), "summary": "出库", "product_id": p},
                    {"account_code": account_for(ctx, "stock", product_id=p, warehouse_id=w), "debit": D(0),
                     "credit": -amount, "summary": "出库", "product_id": p}]
        return self._post([{"warehouse_id": w, "product_id": p, "quantity": -D(qty), "unit_cost": unit,
                            "move_type": "issue"}], day, lines, "out")

    def transfer(self, product, qty, day, src="WH01", dst="WH02"):
        p, w = self.ids(product, src)
        _, w2 = self.ids(product, dst)
        with self.db.uow(readonly=True) as uow:
            unit = issue_unit_cost(self._ctx(uow), product_id=p, warehouse_id=w, on=day, quantity=D(qty))
        amount = move_amount(D(qty), unit)

        def lines(ctx):
            a, b = (account_for(ctx, "stock", product_id=p, warehouse_id=x) for x in (w2, w))
            return [] if a == b else [{"account_code": a, "debit": amount, "credit": D(0), "summary": "调拨"},
                                      {"account_code": b, "debit": D(0), "credit": amount, "summary": "调拨"}]
        return self._post([{"warehouse_id": w, "product_id": p, "quantity": -D(qty), "unit_cost": unit,
                            "move_type": "transfer_out"},
                           {"warehouse_id": w2, "product_id": p, "quantity": D(qty), "unit_cost": unit,
                            "move_type": "transfer_in"}], day, lines, "tr")

    def revalue(self, product, amount, day, wh="WH01"):
        p, w = self.ids(product, wh)
        amount = D(amount)

        def lines(ctx):
            stock = account_for(ctx, "stock", product_id=p, warehouse_id=w)
            side = [{"account_code": stock, "debit": max(amount, D(0)), "credit": max(-amount, D(0)),
                     "summary": "价值调整", "product_id": p},
                    {"account_code": "1002", "debit": max(-amount, D(0)), "credit": max(amount, D(0)),
                     "summary": "价值调整"}]
            return side
        return self._post([{"warehouse_id": w, "product_id": p, "move_type": "revaluation", "amount": amount}],
                          day, lines, "rv")

    # --- reading back
    def stock_value(self, product=None, wh=None) -> D:
        with self.db.uow(readonly=True) as uow:
            stmt = select(func.coalesce(func.sum(StockMove.amount), 0)).where(
                StockMove.company_id == self.st.company_id)
            if product:
                stmt = stmt.where(StockMove.product_id == self.st.products[product])
            if wh:
                stmt = stmt.where(StockMove.warehouse_id == self.st.warehouses[wh])
            return D(uow.session.execute(stmt).scalar_one())

    def gl_balance(self, code: str) -> D:
        from erp_core.finance.models import Account
        from erp_core.ledger.models import GlLine

        with self.db.uow(readonly=True) as uow:
            acc = uow.session.execute(select(Account.id).where(Account.company_id == self.st.company_id,
                                                               Account.code == code)).scalar_one()
            d, c = uow.session.execute(select(func.coalesce(func.sum(GlLine.debit), 0),
                                              func.coalesce(func.sum(GlLine.credit), 0))
                                       .where(GlLine.account_id == acc)).one()
            return D(d) - D(c)

    def effective(self, product, wh="WH01") -> list[tuple[str, dt.date, D, D]]:
        """(type, date, quantity, effective amount) of the product's non-correction moves in ledger order."""
        from erp_core.costing.loader import load_moves

        p, w = self.ids(product, wh)
        with self.db.uow(readonly=True) as uow:
            moves = load_moves(uow.session, self.st.company_id, [(p, w)]).get((p, w), [])
        return [(m.move_type, m.date, m.quantity, m.amount) for m in moves if not m.correction]
