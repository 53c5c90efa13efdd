"""The columns of a record kind as a spreadsheet: the same headers and value forms for import templates and
exports, so an exported file imports back unchanged (round trip)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_core.i18n import t
from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from erp_core.masterdata import custom_fields as cf
from erp_core.masterdata import records as r

# One example row per kind for the downloadable templates (references use the codes a new company has).
EXAMPLES: dict[str, dict[str, Any]] = {
    "customer": {"code": "C0001", "name": "长沙示例贸易有限公司", "tax_id": "91430100MA4L08K3QX",
                 "contact_name": "王经理", "phone": "13800000000", "email": "wang@example.com",
                 "address": "湖南省长沙市岳麓区示例路 1 号", "credit_limit": Decimal("50000.00"),
                 "payment_terms_days": 30, "owner": "", "department": "", "active": True},
    "supplier": {"code": "S0001", "name": "株洲示例材料有限公司", "tax_id": "91430200MA4L08K3QX",
                 "contact_name": "李经理", "phone": "0731-88880000", "email": "li@example.com",
                 "address": "湖南省株洲市示例路 2 号", "credit_limit": Decimal("0"), "payment_terms_days": 60,
                 "owner": "", "department": "", "active": True},
    "product": {"code": "P0001", "name": "不锈钢螺丝", "specification": "M6×20", "unit": "PCS", "category": "",
                "tax_rate": "VAT13", "costing_method": "moving_average", "reorder_point": Decimal("100"),
                "reorder_quantity": Decimal("1000"), "barcode": "6901234567892", "kind": "product",
                "active": True},
    "employee": {"code": "E0001", "name": "张三", "department": "", "position": "会计",
                 "phone": "13900000000", "email": "zhang@example.com", "hire_date": dt.date(2026, 1, 5),
                 "active": True},
    "category": {"code": "RAW", "name": "原材料", "parent": "", "active": True},
}


@dataclass
class SheetFile:
    data: bytes
    filename: str
    mime: str
    rows: int


def headers(kind: r.Kind, defs: list[cf.FieldDef], locale: str | None) -> list[str]:
    """Column headers in ``locale`` (the importer accepts zh, en and the column keys alike). Required
    columns are marked with *."""
    out = [t(c.field, locale) + ("*" if c.required else "") for c in kind.columns]
    out += [d.label(locale) + ("*" if d.required else "") for d in defs]
    return out


def cells(kind: r.Kind, defs: list[cf.FieldDef], values: dict[str, Any]) -> list[Any]:
    custom = values.get("custom") or {}
    row = [values.get(c.key) for c in kind.columns]
    for d in defs:
        v = custom.get(d.key)
        if v is not None and d.field_type in ("number", "money"):
            v = Decimal(v)
        elif v is not None and d.field_type == "date":
            v = dt.date.fromisoformat(v)
        elif v is not None and d.field_type == "bool":
            v = v == "true"
        row.append(v)
    return row


def build(kind: r.Kind, defs: list[cf.FieldDef], rows: list[dict[str, Any]], fmt: str, locale: str | None,
          name: str) -> SheetFile:
    head = headers(kind, defs, locale)
    body = [cells(kind, defs, v) for v in rows]
    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(head, body, sheet=name), f"{name}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(body))
    return SheetFile(to_csv_bytes(head, body), f"{name}.csv", "text/csv", len(body))
