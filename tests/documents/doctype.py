"""Two document types defined HERE, in the tests, as a module author would define theirs: an order (promises,
tracks received and invoiced quantities, needs approval to confirm) and a receipt (posts stock moves + one
voucher). Their tables live in a metadata of their own (the migrated schema does not know them) and are created
on the test's database by ``create_tables``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from erp_core.db.base import NAMING_CONVENTION
from erp_core.db.models import metadata as erp_metadata
from erp_core.documents.models import DocumentHeader, DocumentLine
from erp_core.documents.registry import DocumentType, PostingSpec, register
from erp_core.kernel.workflow import Workflow
from erp_core.usecase import Context


class TestBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


erp_metadata.tables["company"].to_metadata(TestBase.metadata)


class TOrder(DocumentHeader, TestBase):
    __tablename__ = "t_order"
    __document_line__ = "TOrderLine"


class TOrderLine(DocumentLine, TestBase):
    __tablename__ = "t_order_line"
    __document_header__ = "TOrder"
    __header_table__ = "t_order"


class TReceipt(DocumentHeader, TestBase):
    __tablename__ = "t_receipt"
    __document_line__ = "TReceiptLine"


class TReceiptLine(DocumentLine, TestBase):
    __tablename__ = "t_receipt_line"
    __document_header__ = "TReceipt"
    __header_table__ = "t_receipt"


ORDER_FLOW = Workflow("t_order", ("draft", "confirmed", "closed", "cancelled"), [
    ("confirm", "draft", "confirmed"), ("close", "confirmed", "closed"), ("cancel", "draft", "cancelled")])
RECEIPT_FLOW = Workflow("t_receipt", ("draft", "posted", "reversed"), [
    ("post", "draft", "posted"), ("reverse", "posted", "reversed")])


def order_facts(ctx: Context, doc: TOrder) -> dict:
    """What the approval rules look at: the amount, whether the supplier is new, the largest price rise (%)
    against a 'last price' the test sets in remarks as 'last=<price>' (a real type reads its history)."""
    last = None
    if doc.remarks.startswith("last="):
        last = Decimal(doc.remarks[5:])
    rise = max(((ln.unit_price - last) * 100 / last for ln in doc.lines), default=Decimal(0)) if last else None
    return {"amount": doc.total, "partner_new": doc.partner_id is None, "max_price_increase_pct": rise}


def receipt_posting(ctx: Context, doc: TReceipt) -> PostingSpec:
    moves = [{"warehouse_id": ln.warehouse_id or doc.warehouse_id, "product_id": ln.product_id,
              "quantity": ln.ordered_qty, "unit_cost": ln.unit_price, "move_type": "receipt"} for ln in doc.lines]
    total = sum((ln.amount for ln in doc.lines), Decimal(0))
    vlines = [{"account_code": "1405", "debit": total, "credit": Decimal(0), "summary": f"入库 {doc.number}"},
              {"account_code": "220201", "debit": Decimal(0), "credit": total, "summary": f"应付 {doc.number}",
               "supplier_id": doc.partner_id}]
    return PostingSpec(posting_date=doc.doc_date, moves=moves, voucher_lines=vlines)


T_ORDER = register(DocumentType(code="t_order", zh="测试订单", en="Test order", prefix="TO", header=TOrder,
                                line=TOrderLine, workflow=ORDER_FLOW, tracks=("received", "invoiced", "returned"),
                                approval_facts=order_facts, approval_actions=("confirm",)))
T_RECEIPT = register(DocumentType(code="t_receipt", zh="测试入库单", en="Test receipt", prefix="TR",
                                  header=TReceipt, line=TReceiptLine, workflow=RECEIPT_FLOW, tracks=(),
                                  posting=receipt_posting, reverse_action="reverse", approval_actions=()))


def create_tables(db) -> None:
    TestBase.metadata.create_all(db.engine, tables=[TOrder.__table__, TOrderLine.__table__, TReceipt.__table__,
                                                    TReceiptLine.__table__])


def run(db, actor, fn):
    """fn(ctx) inside one committed unit of work, as a module's use case would run the kernel."""
    with db.uow() as uow:
        ctx = Context(uow.session, actor, "documents.test", db, company_id=actor.company_id)
        result = fn(ctx)
        uow.commit()
    return result


DAY = dt.date(2026, 1, 10)
