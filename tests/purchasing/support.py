"""Builders for the purchasing tests: the stock-test company (warehouses WH01/WH02, products P1/P2/P3 made
through the master-data use cases) plus a supplier, VAT13 on P1 and P2, and helpers reading back what a posting
wrote (voucher lines by account, stock moves of a document)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.finance.models import Account, Voucher, VoucherLine
from erp_core.inventory.models import StockMove
from erp_core.purchasing import services as ps
from tests.finance.support import supplier
from tests.inventory.support import build

DAY = dt.date(2026, 3, 2)
D = Decimal


def env(db, company=None):
    """The stock-test company with supplier S001 (and S002), VAT13 on P1 and P2 (P3 has no tax code)."""
    from erp_core.masterdata import items_services as items
    from erp_core.masterdata.models_items import Product

    st = build(db, company)  # the company fixture's copy of the run's snapshot, when given
    st.supplier = supplier(db, st.company_id)
    st.supplier2 = supplier(db, st.company_id, code="S002", name="湘江包装厂")
    for code in ("P1", "P2"):
        with db.uow() as uow:
            p = uow.session.get(Product, st.products[code])
            values, version = {"code": p.code, "name": p.name, "tax_rate": "VAT13"}, p.version
        items.edit_product(db, st.admin, product_id=st.products[code], version=version, values=values)
    return st


def order(db, st, lines, *, day=DAY, supplier_id=None, includes_vat=False, confirm=True, actor=None):
    """A purchase order (lines: (product code, quantity, price)), confirmed unless told otherwise."""
    who = actor or st.admin
    oid = ps.create_order(db, who, supplier_id=supplier_id or st.supplier, doc_date=day,
                          warehouse_id=st.warehouses["WH01"], prices_include_vat=includes_vat,
                          lines=[{"product_id": st.products[p], "quantity": D(q), "unit_price": D(pr)}
                                 for p, q, pr in lines])
    if confirm:
        ps.confirm_order(db, who, order_id=oid)
    return oid


def order_lines(db, order_id):
    from erp_core.purchasing.models import PurchaseOrder

    with db.uow(readonly=True) as uow:
        doc = uow.session.get(PurchaseOrder, order_id)
        return [ln.id for ln in doc.lines]


def receipt_lines(db, receipt_id):
    from erp_core.purchasing.models import PurchaseReceipt

    with db.uow(readonly=True) as uow:
        doc = uow.session.get(PurchaseReceipt, receipt_id)
        return [ln.id for ln in doc.lines]


def voucher(db, voucher_id) -> list[tuple[str, str, str, int | None]]:
    """(account code, debit, credit, supplier id) of each line of a voucher, in line order."""
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Account.code, VoucherLine.debit, VoucherLine.credit,
                                          VoucherLine.supplier_id)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(VoucherLine.voucher_id == voucher_id)
                                   .order_by(VoucherLine.line_no)).all()
        v = uow.session.get(Voucher, voucher_id)
        assert v.status == "posted"
    return [(c, f"{d:.2f}", f"{cr:.2f}", s) for c, d, cr, s in rows]


def moves(db, source_type, source_id) -> list[tuple[str, str, str, str]]:
    """(move type, quantity, unit cost, amount) of a document's stock moves."""
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(StockMove).where(StockMove.source_type == source_type,
                                                           StockMove.source_id == source_id)
                                   .order_by(StockMove.move_seq)).scalars().all()
        return [(m.move_type, f"{m.quantity.normalize():f}", f"{m.unit_cost.normalize():f}", f"{m.amount:.2f}")
                for m in rows]
