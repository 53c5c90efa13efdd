"""A company for billing tests: products P1 (VAT13, stock 100 @ 10.00 in WH01) and P2 (VAT13, stock 100 @ 4.00),
service S1, customer C001 (账期 30 days, tax id 91430000TEST0001) and supplier S001 with the same tax id (for
应收冲应付), a second customer C002. Sales orders and deliveries are made with the document kernel and the sales
module's document types (confirmed orders; posted deliveries issue stock at cost)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from erp_core.documents import services as k
from erp_core.documents.registry import document_type
from erp_core.finance.models import Account, VoucherLine
from erp_core.ledger.models import GlLine
from erp_core.usecase import Context
from tests.inventory.support import post
from tests.purchasing.support import env as purchasing_env

D = Decimal
DAY = dt.date(2026, 3, 2)


def run(db, actor, fn):
    with db.uow() as uow:
        ctx = Context(uow.session, actor, "billing.test", db, company_id=actor.company_id)
        result = fn(ctx)
        uow.commit()
    return result


def build(db, company=None):
    from erp_core.masterdata.partners_services import create_customer, create_supplier

    st = purchasing_env(db, company)  # the company fixture's copy of the run's snapshot, when given
    st.customers = {}
    for code, name, tax_id, terms in (("C001", "湘潭机电有限公司", "91430000TEST0001", 30),
                                      ("C002", "长沙百货公司", None, None)):
        values = {"code": code, "name": name, "payment_terms_days": terms}
        if tax_id:
            values["tax_id"] = tax_id
        st.customers[code] = create_customer(db, st.admin, values=values)
    st.supplier_same = create_supplier(db, st.admin, values={"code": "S101", "name": "湘潭机电有限公司",
                                                             "tax_id": "91430000TEST0001"})
    wh = st.warehouses["WH01"]
    post(db, st.admin, source_type="opening", source_id=1, posting_key="billing-test-opening",
         move_date=dt.date(2026, 1, 1), moves=[
        {"warehouse_id": wh, "product_id": st.products["P1"], "quantity": D(100), "unit_cost": D(10),
         "move_type": "receipt"},
        {"warehouse_id": wh, "product_id": st.products["P2"], "quantity": D(100), "unit_cost": D(4),
         "move_type": "receipt"}])
    return st


def order(db, st, lines, *, customer="C001", day=DAY) -> list[int]:
    """A confirmed sales order (lines: (product code, quantity, net price), VAT 13%); returns its line ids."""
    t = document_type("sales_order")

    def make(ctx):
        doc = k.create_document(ctx, t, doc_date=day, partner_id=st.customers[customer],
                                warehouse_id=st.warehouses["WH01"],
                                lines=[{"product_id": st.products[p], "ordered_qty": D(q), "unit_price": D(pr),
                                        "warehouse_id": st.warehouses["WH01"]} for p, q, pr in lines])
        for ln in doc.lines:
            ln.tax_rate, ln.net_price, ln.net_amount = D("0.13"), ln.unit_price, ln.amount
            ln.tax_amount = (ln.amount * D("0.13")).quantize(D("0.01"))
            ln.gross_amount = ln.amount + ln.tax_amount
        doc.status = "confirmed"
        ctx.session.flush()
        return [ln.id for ln in doc.lines]
    return run(db, st.admin, make)


def deliver(db, st, order_lines: list[tuple[int, str]], *, day=DAY) -> tuple[int, list[int]]:
    """A posted delivery of (order line id, quantity); returns (delivery id, its line ids)."""
    t, ot = document_type("sales_delivery"), document_type("sales_order")

    def make(ctx):
        src = [ctx.session.get(ot.line, olid) for olid, _ in order_lines]
        doc = k.create_document(ctx, t, doc_date=day, partner_id=src[0].header.partner_id,
                                warehouse_id=st.warehouses["WH01"],
                                lines=[{"product_id": ol.product_id, "ordered_qty": D(q), "unit_price": ol.net_price,
                                        "warehouse_id": ol.warehouse_id} for ol, (_, q) in zip(src, order_lines, strict=True)])
        for ln, ol in zip(doc.lines, src, strict=True):
            ln.order_line_id, ln.tax_rate = ol.id, ol.tax_rate
            ln.tax_amount = (ln.amount * ol.tax_rate).quantize(D("0.01"))
            ln.gross_amount = ln.amount + ln.tax_amount
        ctx.session.flush()
        k.post_document(ctx, t, doc)
        for ln, ol in zip(doc.lines, src, strict=True):
            k.link(ctx, ot, ol.header, t, doc, from_line=ol, to_line=ln, quantity=ln.ordered_qty,
                   counts_as="received")
        return doc.id, [ln.id for ln in doc.lines]
    return run(db, st.admin, make)


def voucher(db, voucher_id) -> list[tuple[str, str, str, int | None]]:
    """(account code, debit, credit, customer or supplier id) of each line of a voucher, in line order."""
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Account.code, VoucherLine.debit, VoucherLine.credit,
                                          VoucherLine.customer_id, VoucherLine.supplier_id)
                                   .join(Account, Account.id == VoucherLine.account_id)
                                   .where(VoucherLine.voucher_id == voucher_id)
                                   .order_by(VoucherLine.line_no)).all()
    return [(c, f"{d:.2f}", f"{cr:.2f}", cu or su) for c, d, cr, cu, su in rows]


def gl_balance(db, company_id: int, code: str, *, customer_id: int | None = None,
               up_to: dt.date | None = None) -> Decimal:
    with db.uow(readonly=True) as uow:
        stmt = select(func.coalesce(func.sum(GlLine.debit), 0), func.coalesce(func.sum(GlLine.credit), 0)).where(
            GlLine.company_id == company_id, GlLine.account_code.startswith(code))
        if customer_id is not None:
            stmt = stmt.where(GlLine.customer_id == customer_id)
        if up_to is not None:
            stmt = stmt.where(GlLine.posting_date <= up_to)
        d, c = uow.session.execute(stmt).one()
    return Decimal(d) - Decimal(c)


def line_qty(db, type_code: str, line_id: int, attr: str = "invoiced_qty") -> Decimal:
    with db.uow(readonly=True) as uow:
        return getattr(uow.session.get(document_type(type_code).line, line_id), attr)
