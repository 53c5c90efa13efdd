"""Tax rates as dated data (税率): create and edit, never overlapping for one code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.kernel.errors import Conflict
from erp_core.settings.common import (
    Problems,
    clean_code,
    clean_date,
    clean_decimal,
    clean_text,
    get_owned,
    require_company,
    save,
)
from erp_core.settings.models import RATE_SCALE, TAX_KINDS, TaxRate
from erp_core.usecase import Context, use_case

F = "field.settings.tax."


def _validate(p: Problems, *, code, name_zh, name_en, kind, rate, valid_from, valid_to) -> dict:
    values = {
        "code": clean_code(p, code, F + "code", max_len=20, upper=True),
        "name_zh": clean_text(p, name_zh, F + "name_zh", max_len=100),
        "name_en": clean_text(p, name_en, F + "name_en", max_len=100),
        "kind": kind,
        "rate": clean_decimal(p, rate, F + "rate", scale=RATE_SCALE),
        "valid_from": clean_date(p, valid_from, F + "valid_from"),
        "valid_to": clean_date(p, valid_to, F + "valid_to", required=False),
    }
    if kind not in TAX_KINDS:
        p.add("error.choice", F + "kind")
    if values["rate"] is not None and not (Decimal(0) <= values["rate"] < Decimal(1)):
        p.add("error.settings.tax.rate_range", F + "rate")
    if values["valid_from"] and values["valid_to"] and values["valid_to"] < values["valid_from"]:
        p.add("error.settings.date_order", F + "valid_to")
    return values


def periods_overlap(start_a: dt.date, end_a: dt.date | None, start_b: dt.date, end_b: dt.date | None) -> bool:
    """True when two validity periods (ends inclusive, None = open-ended) share at least one day."""
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def _refuse_overlap(session: Session, company_id: int, code: str, start: dt.date, end: dt.date | None,
                    exclude_id: int | None = None) -> None:
    """Two rows of one code may not be valid on the same day (rate_on must have one answer)."""
    rows = session.execute(select(TaxRate).where(TaxRate.company_id == company_id, TaxRate.code == code)).scalars()
    for other in rows:
        if other.id == exclude_id:
            continue
        if periods_overlap(start, end, other.valid_from, other.valid_to):
            raise Conflict("error.settings.tax.overlap", code=code, valid_from=other.valid_from.isoformat(),
                           valid_to=other.valid_to.isoformat() if other.valid_to else "…")


@use_case("settings.tax.create", zh="新增税率", en="Add tax rate")
def create_tax_rate(ctx: Context, *, code: str, name_zh: str, name_en: str, kind: str, rate: Decimal | str,
                    valid_from: dt.date | str, valid_to: dt.date | str | None = None) -> int:
    """Add a dated tax rate. ``rate`` is a fraction (0.13 for 13 %)."""
    company_id = require_company(ctx)
    p = Problems()
    v = _validate(p, code=code, name_zh=name_zh, name_en=name_en, kind=kind, rate=rate, valid_from=valid_from,
                  valid_to=valid_to)
    p.raise_any()
    _refuse_overlap(ctx.session, company_id, v["code"], v["valid_from"], v["valid_to"])
    row = TaxRate(company_id=company_id, **v)
    save(ctx, row)
    ctx.audit("tax_rate", row.id, **{k: str(x) if x is not None else None for k, x in v.items()})
    return row.id


@use_case("settings.tax.edit", zh="修改税率", en="Edit tax rate")
def edit_tax_rate(ctx: Context, *, tax_rate_id: int, version: int, code: str, name_zh: str, name_en: str,
                  kind: str, rate: Decimal | str, valid_from: dt.date | str,
                  valid_to: dt.date | str | None = None) -> None:
    """Change a tax rate the form loaded at ``version`` (ending its validity is setting ``valid_to``)."""
    company_id = require_company(ctx)
    row = get_owned(ctx.session, TaxRate, tax_rate_id, company_id)
    ctx.check_version(row, version)
    p = Problems()
    v = _validate(p, code=code, name_zh=name_zh, name_en=name_en, kind=kind, rate=rate, valid_from=valid_from,
                  valid_to=valid_to)
    p.raise_any()
    _refuse_overlap(ctx.session, company_id, v["code"], v["valid_from"], v["valid_to"], exclude_id=row.id)
    ctx.diff(row, **v)
    save(ctx)
    ctx.audit("tax_rate", row.id)


def tax_rate_on(session: Session, company_id: int, code: str, on: dt.date) -> TaxRate | None:
    """The row of tax ``code`` valid on ``on`` (for other modules' use cases, inside their unit of work)."""
    return session.execute(
        select(TaxRate).where(TaxRate.company_id == company_id, TaxRate.code == code.strip().upper(),
                              TaxRate.valid_from <= on,
                              (TaxRate.valid_to.is_(None)) | (TaxRate.valid_to >= on))
        .order_by(TaxRate.valid_from.desc()).limit(1)).scalar_one_or_none()
