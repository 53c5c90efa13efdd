"""Customers and suppliers as record kinds, and the duplicate rule.

Duplicates (疑似重复): see erp_core/masterdata/duplicates.py — the same tax ID, any equal phone (main phone and
contacts' phones, normalized), an equal name or a similar one (score >= 0.75) after stripping legal-form suffixes,
region prefixes and brackets. ``name_norm`` keeps the stored normalization below (NFKC, lower case, no spaces or
punctuation, one trailing legal-form suffix dropped); it serves as a pre-filter for the database look-up.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp_core.db.like import contains
from erp_core.io import parsers
from erp_core.masterdata.duplicates import DuplicateIndex, name_key, phone_key
from erp_core.masterdata.models_partners import Customer, PartnerContact, Supplier
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
    return {"name_norm": normalize_name(attrs.get("name")), "phone_norm": phone_key(attrs.get("phone")),
            "active": True if attrs.get("active") is None else attrs["active"]}


def _columns(owner_field: str) -> tuple[Col, ...]:
    return (
        Col("code", "field.masterdata.code", parsers.code(40), required=True, aliases=("编号", "代码")),
        Col("name", "field.masterdata.name", parsers.text(200), required=True, aliases=("单位名称", "公司名称")),
        Col("tax_id", "field.masterdata.tax_id", _tax_id(), aliases=("税号", "统一社会信用代码", "纳税人识别号")),
        Col("contact_name", "field.masterdata.contact_name", parsers.text(100), aliases=("联系人", "contact")),
        Col("phone", "field.masterdata.phone", parsers.phone(), aliases=("电话", "手机", "联系电话")),
        Col("email", "field.masterdata.email", parsers.email(), aliases=("邮箱", "电子邮件")),
        Col("address", "field.masterdata.address", parsers.text(300, multiline=True), aliases=("地址",)),
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


CANDIDATE_LIMIT = 5000  # rows the name pre-filter reads per look-up (tax ID / phone matches are all read)


def find_duplicates(session: Session, company_id: int, attrs: dict[str, Any], except_id: int | None,
                    model: type = Customer, *, phones: list[str | None] = (),
                    locale: str | None = None) -> list[dict[str, Any]]:
    """Live (not merged) partners of ``model`` that look like ``attrs`` (name, tax_id, phone) and the extra
    ``phones`` (e.g. the record's contacts), by the rule of duplicates.py. Each match: id, code, name,
    ``reasons`` (fields: name / similar_name / tax_id / phone), ``details`` ({field, score, value}), ``score``
    and ``why`` (the reasons in words, in ``locale``)."""
    from erp_core.masterdata.duplicates import describe

    name = attrs.get("name")
    all_phones = [attrs.get("phone"), *phones]
    keys = [k for k in (phone_key(p) for p in all_phones) if k]
    key = name_key(name)
    conds = []  # exact keys: every match is read
    if attrs.get("tax_id"):
        conds.append(model.tax_id == attrs["tax_id"])
    if keys:  # stored keys, and the older form that kept the area code's 0
        conds.append(model.phone_norm.in_(sorted({*keys, *("0" + k for k in keys)})))
    name_conds = [contains(model.name_norm, part) for part in sorted({key[:2], key[-2:]})] if key else []
    owner = getattr(PartnerContact, f"{model.__tablename__}_id")
    contact_ids: set[int] = set()
    for k in keys:  # contacts' phones have no stored key: narrow by the last digits, then compare keys
        rows = session.execute(select(owner, PartnerContact.phone).where(
            PartnerContact.company_id == company_id, owner.is_not(None),
            contains(PartnerContact.phone, k[-4:]))).all()
        contact_ids |= {pid for pid, phone in rows if phone_key(phone) == k}
    if contact_ids:
        conds.append(model.id.in_(sorted(contact_ids)))
    base = select(model.id, model.code, model.name, model.tax_id, model.phone).where(
        model.company_id == company_id, model.merged_into.is_(None))
    if except_id is not None:
        base = base.where(model.id != except_id)
    candidates = session.execute(base.where(or_(*conds))).all() if conds else []
    if name_conds:  # the name pre-filter can be broad: at most CANDIDATE_LIMIT rows
        candidates += session.execute(base.where(or_(*name_conds)).order_by(model.code)
                                      .limit(CANDIDATE_LIMIT)).all()
    if not candidates:
        return []
    index = DuplicateIndex()
    info = {}
    for pid, code, cname, tax_id, phone in candidates:
        if pid not in info:
            index.add(pid, name=cname, tax_id=tax_id, phones=[phone])
            info[pid] = (code, cname)
    for chunk in range(0, len(info), 900):
        ids = list(info)[chunk:chunk + 900]
        for pid, phone in session.execute(select(owner, PartnerContact.phone).where(owner.in_(ids))):
            index.add_phone(pid, phone)
    out = []
    for h in index.find(name=name, tax_id=attrs.get("tax_id"), phones=all_phones, exclude=except_id):
        code, cname = info[h.ident]
        out.append({"id": h.ident, "code": code, "name": cname, "reasons": h.fields(), "details": h.details(),
                    "score": round(h.score, 2), "why": describe(h.reasons, locale)})
    return out


def duplicate_checker(model: type):
    def check(session: Session, company_id: int, attrs: dict[str, Any], except_id: int | None,
              locale: str | None = None):
        return find_duplicates(session, company_id, attrs, except_id, model, locale=locale)

    return check
