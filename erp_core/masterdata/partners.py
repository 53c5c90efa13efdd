"""Customers and suppliers as record kinds, and the duplicate rule.

Duplicates (疑似重复): two partners look alike when their normalized names are equal, or their tax IDs, or their
main phone numbers (digits only, without +86). Normalizing a name: NFKC (full-width -> half-width), lower case,
drop spaces and punctuation, then drop ONE trailing legal-form suffix (股份有限公司, 有限责任公司, 有限公司,
集团有限公司, 公司, Co., Ltd., Inc., LLC, Limited, Corp.). So 长沙星辰贸易有限公司 and 长沙星辰贸易 match;
长沙星辰 and 星辰贸易 do not (no fuzzy matching: a warning must be explainable).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp_core.io import parsers
from erp_core.io.parsers import normalize_phone
from erp_core.masterdata.models_partners import Customer, Supplier
from erp_core.masterdata.records import Col, Kind

_SUFFIXES = ("集团股份有限公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "分公司", "公司",
             "corporation", "limited", "coltd", "corp", "ltd", "llc", "inc", "co")


def normalize_name(name: str | None) -> str:
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = re.sub(r"[\s\W_]+", "", s)  # spaces and punctuation (Chinese characters are word characters)
    for suffix in _SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            s = s[: -len(suffix)]
            break
    return s[:200]


def _tax_id() -> parsers.Parser:
    def parse(value: Any) -> str | None:
        s = parsers.text(20)(value)
        if s is None:
            return None
        s = parsers.half_width(s).upper().replace(" ", "")
        if not re.fullmatch(r"[0-9A-Z]{15,20}", s):
            raise parsers.CellError("error.masterdata.tax_id")
        return s

    return parse


def _derived(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"name_norm": normalize_name(attrs.get("name")), "phone_norm": normalize_phone(attrs.get("phone")),
            "active": True if attrs.get("active") is None else attrs["active"]}


def _columns(owner_field: str) -> tuple[Col, ...]:
    return (
        Col("code", "field.masterdata.code", parsers.code(40), required=True, aliases=("编号", "代码")),
        Col("name", "field.masterdata.name", parsers.text(200), required=True, aliases=("单位名称", "公司名称")),
        Col("tax_id", "field.masterdata.tax_id", _tax_id(), aliases=("税号", "统一社会信用代码", "纳税人识别号")),
        Col("contact_name", "field.masterdata.contact_name", parsers.text(100), aliases=("联系人", "contact")),
        Col("phone", "field.masterdata.phone", parsers.phone(), aliases=("电话", "手机", "联系电话")),
        Col("email", "field.masterdata.email", parsers.email(), aliases=("邮箱", "电子邮件")),
        Col("address", "field.masterdata.address", parsers.text(300), aliases=("地址",)),
        Col("credit_limit", "field.masterdata.credit_limit", parsers.money(), aliases=("信用额度",)),
        Col("payment_terms_days", "field.masterdata.payment_terms_days",
            parsers.integer(min_value=0, max_value=3650), aliases=("账期", "付款期限", "payment terms")),
        Col("owner", owner_field, parsers.text(64), attr="owner_id", ref="user", aliases=("业务员", "采购员")),
        Col("department", "field.masterdata.department", parsers.code(40), attr="department_id",
            ref="department", aliases=("部门",)),
        Col("active", "field.masterdata.active", parsers.boolean(), aliases=("启用", "状态")),
    )


CUSTOMER = Kind(name="customer", model=Customer, permission="masterdata.customer", custom_entity="customer",
                columns=_columns("field.masterdata.salesperson"), department_attr="department_id",
                owner_attr="owner_id", derived=_derived, entity_label="masterdata.kind.customer",
                search_attrs=("code", "name", "tax_id", "phone", "contact_name"),
                sort_attrs=("code", "name", "credit_limit", "department"))
SUPPLIER = Kind(name="supplier", model=Supplier, permission="masterdata.supplier", custom_entity="supplier",
                columns=_columns("field.masterdata.buyer"), department_attr="department_id",
                owner_attr="owner_id", derived=_derived, entity_label="masterdata.kind.supplier",
                search_attrs=("code", "name", "tax_id", "phone", "contact_name"),
                sort_attrs=("code", "name", "credit_limit", "department"))


def find_duplicates(session: Session, company_id: int, attrs: dict[str, Any], except_id: int | None,
                    model: type = Customer) -> list[dict[str, Any]]:
    """Live (not merged) partners of ``model`` matching by normalized name, tax ID or phone."""
    conds = []
    name_norm = attrs.get("name_norm") or normalize_name(attrs.get("name"))
    phone_norm = attrs.get("phone_norm") or normalize_phone(attrs.get("phone"))
    if name_norm:
        conds.append(model.name_norm == name_norm)
    if attrs.get("tax_id"):
        conds.append(model.tax_id == attrs["tax_id"])
    if phone_norm:
        conds.append(model.phone_norm == phone_norm)
    if not conds:
        return []
    stmt = select(model).where(model.company_id == company_id, model.merged_into.is_(None), or_(*conds))
    if except_id is not None:
        stmt = stmt.where(model.id != except_id)
    out = []
    for p in session.execute(stmt.order_by(model.code)).scalars():
        reasons = [r for r, hit in (("name", name_norm and p.name_norm == name_norm),
                                    ("tax_id", attrs.get("tax_id") and p.tax_id == attrs.get("tax_id")),
                                    ("phone", phone_norm and p.phone_norm == phone_norm)) if hit]
        out.append({"id": p.id, "code": p.code, "name": p.name, "reasons": reasons})
    return out


def duplicate_checker(model: type):
    def check(session: Session, company_id: int, attrs: dict[str, Any], except_id: int | None):
        return find_duplicates(session, company_id, attrs, except_id, model)

    return check
