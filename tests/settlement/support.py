"""A purchase-invoice-like test type (the contract with the purchasing work: extra={"open_item": "payable"},
header.total = amount owed incl. VAT, partner_id = the supplier; posting Dr expense / Cr payable), its table in a
metadata of its own, and builders for settlement tests.

The type is registered only while a test uses the ``invoices`` fixture (and removed after): every open-item
report iterates the registered open-item types, and other tests' databases have no t_invoice table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, func, select
from sqlalchemy.orm import DeclarativeBase

from erp_core.db.base import NAMING_CONVENTION
from erp_core.db.models import metadata as erp_metadata
from erp_core.documents import registry
from erp_core.documents import services as k
from erp_core.documents.accounts import account_for
from erp_core.documents.models import DocumentHeader, DocumentLine
from erp_core.documents.registry import DocumentType, PostingSpec
from erp_core.kernel.workflow import Workflow
from erp_core.ledger.models import GlLine
from erp_core.usecase import Context
from tests.finance.support import supplier
from tests.support.factories import admin_actor, make_company

DAY = dt.date(2026, 1, 10)


class InvBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


erp_metadata.tables["company"].to_metadata(InvBase.metadata)


class TInvoice(DocumentHeader, InvBase):
    __tablename__ = "t_invoice"
    __document_line__ = "TInvoiceLine"


class TInvoiceLine(DocumentLine, InvBase):
    __tablename__ = "t_invoice_line"
    __document_header__ = "TInvoice"
    __header_table__ = "t_invoice"


FLOW = Workflow("t_invoice", ("draft", "posted", "reversed"), [("post", "draft", "posted"),
                                                              ("reverse", "posted", "reversed")])


def invoice_posting(ctx: Context, doc: TInvoice) -> PostingSpec:
    return PostingSpec(posting_date=doc.doc_date, voucher_lines=[
        {"account_code": account_for(ctx, "other_issue"), "debit": doc.total, "credit": Decimal(0),
         "summary": f"采购发票 {doc.number}"},
        {"account_code": account_for(ctx, "payable", partner_id=doc.partner_id), "debit": Decimal(0),
         "credit": doc.total, "summary": f"应付 {doc.number}", "supplier_id": doc.partner_id}])


T_INVOICE = DocumentType(code="t_invoice", zh="测试采购发票", en="Test purchase invoice", prefix="TI",
                         header=TInvoice, line=TInvoiceLine, workflow=FLOW, tracks=(), posting=invoice_posting,
                         reverse_action="reverse", approval_actions=(), extra={"open_item": "payable"})


def register_invoice_type(db) -> None:
    InvBase.metadata.create_all(db.engine, tables=[TInvoice.__table__, TInvoiceLine.__table__])
    registry.register(T_INVOICE)


def unregister_invoice_type() -> None:
    registry._TYPES.pop(T_INVOICE.code, None)
    registry._BY_HEADER.pop(TInvoice, None)


@pytest.fixture
def invoices(db):
    register_invoice_type(db)
    yield
    unregister_invoice_type()


@dataclass
class Books:
    db: object
    admin: object
    company_id: int
    suppliers: dict[str, int]


def build(db, company=None) -> Books:
    company = company or make_company(db)  # the company fixture's copy of the run's snapshot, when given
    books = Books(db, admin_actor(db, company), company.company_id, {})
    books.suppliers["A"] = supplier(db, company.company_id, "S001", "江南原料厂")
    books.suppliers["B"] = supplier(db, company.company_id, "S002", "湘江包装公司")
    return books


def run(db, actor, fn):
    with db.uow() as uow:
        ctx = Context(uow.session, actor, "settlement.test", db, company_id=actor.company_id)
        result = fn(ctx)
        uow.commit()
    return result


def post_invoice(books: Books, amount: str, *, day: dt.date = DAY, supplier: str = "A") -> int:
    """A posted invoice of ``amount`` (VAT included) from the supplier; returns its id."""
    def make(ctx):
        doc = k.create_document(ctx, T_INVOICE, doc_date=day, partner_id=books.suppliers[supplier],
                                lines=[{"ordered_qty": Decimal(1), "unit_price": Decimal(amount)}])
        k.post_document(ctx, T_INVOICE, doc)
        return doc.id
    return run(books.db, books.admin, make)


def red_invoice(books: Books, invoice_id: int, day: dt.date | None = None) -> int:
    def make(ctx):
        doc = k.load_document(ctx, T_INVOICE, invoice_id, lock=True)
        return k.reverse_document(ctx, T_INVOICE, doc, doc_date=day).id
    return run(books.db, books.admin, make)


def gl_balance(db, company_id: int, code: str, supplier_id: int, *, up_to: dt.date | None = None) -> Decimal:
    """Debit minus credit of ``code`` (and its sub-accounts) for one supplier."""
    with db.uow(readonly=True) as uow:
        stmt = select(func.coalesce(func.sum(GlLine.debit), 0), func.coalesce(func.sum(GlLine.credit), 0)).where(
            GlLine.company_id == company_id, GlLine.account_code.startswith(code), GlLine.supplier_id == supplier_id)
        if up_to is not None:
            stmt = stmt.where(GlLine.posting_date <= up_to)
        d, c = uow.session.execute(stmt).one()
    return Decimal(d) - Decimal(c)
