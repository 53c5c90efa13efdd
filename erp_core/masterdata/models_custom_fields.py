"""Custom field definitions (自定义字段). Values live in each record's ``custom_json`` column.

Why a JSON text column rather than an EAV table: a record and its custom values load, import and export in one
row (bulk imports stay Core inserts of one table), merge needs nothing extra, and the canonical serialization
(sorted keys, every value a string) makes an equality filter a portable LIKE on all three backends. A field that is
removed while values exist is *retired* (hidden from forms, values kept and still exported), never dropped."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned

CUSTOM_ENTITIES = ("customer", "supplier", "product", "employee", "document")
CUSTOM_TYPES = ("text", "number", "money", "date", "choice", "bool")


class CustomField(Versioned, Base):  # 自定义字段
    __tablename__ = "custom_field"
    __table_args__ = (UniqueConstraint("company_id", "entity", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    entity: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    field_type: Mapped[str] = mapped_column(String(10))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    default_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    choices: Mapped[str | None] = mapped_column(Text, nullable=True)  # one choice per line
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
