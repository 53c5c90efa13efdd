"""Tables of the purchase requisition (请购单): header and lines from the document kernel's mixins.

A line's ``received_qty`` (a kernel-tracked quantity) counts what was put on purchase orders (已下单数量), so the
requisition's progress (open / partly_received / completed = 未下单 / 部分下单 / 已下单) is derived, never set.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base
from erp_core.documents.models import DocumentHeader, DocumentLine


class PurchaseRequisition(DocumentHeader, Base):  # 请购单
    __tablename__ = "purchase_requisition"
    __document_line__ = "PurchaseRequisitionLine"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    source_no: Mapped[str | None] = mapped_column(String(40), nullable=True)  # number in its source (import)
    requester: Mapped[str] = mapped_column(String(64), default="")  # 请购人
    needed_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # 需求日期
    reason: Mapped[str] = mapped_column(String(500), default="")  # 请购理由


class PurchaseRequisitionLine(DocumentLine, Base):
    __tablename__ = "purchase_requisition_line"
    __document_header__ = "PurchaseRequisition"
    __header_table__ = "purchase_requisition"

    supplier_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 建议供应商 (else the last one)
