"""Currencies (币种) and dated exchange rates (汇率) to the company's base currency."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.kernel.errors import Conflict
from erp_core.masterdata.models import Company
from erp_core.settings.common import (
    Problems,
    clean_date,
    clean_decimal,
    clean_text,
    get_owned,
    require_company,
    save,
)
from erp_core.settings.models import EXCHANGE_SCALE, Currency, ExchangeRate
from erp_core.usecase import Context, use_case

F = "field.settings.currency."
ISO_CODE = re.compile(r"^[A-Z]{3}$")


def _names_and_decimals(p: Problems, name_zh, name_en, decimals) -> dict:
    values = {"name_zh": clean_text(p, name_zh, F + "name_zh", max_len=100),
              "name_en": clean_text(p, name_en, F + "name_en", max_len=100), "decimals": decimals}
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 4:
        p.add("error.settings.currency.decimals", F + "decimals")
    return values


@use_case("settings.currency.create", zh="新增币种", en="Add currency")
def create_currency(ctx: Context, *, code: str, name_zh: str, name_en: str, decimals: int = 2) -> int:
    company_id = require_company(ctx)
    p = Problems()
    iso = clean_text(p, code, F + "code", max_len=3, upper=True)
    if iso is not None and not ISO_CODE.match(iso):
        p.add("error.settings.currency.code", F + "code")
    v = _names_and_decimals(p, name_zh, name_en, decimals)
    p.raise_any()
    if ctx.session.execute(select(Currency.id).where(Currency.company_id == company_id,
                                                     Currency.code == iso)).first():
        raise Conflict("error.settings.duplicate_code", code=iso)
    row = Currency(company_id=company_id, code=iso, **v)
    save(ctx, row)
    ctx.audit("currency", row.id, code=iso, **v)
    return row.id


@use_case("settings.currency.edit", zh="修改币种", en="Edit currency")
def edit_currency(ctx: Context, *, currency_id: int, version: int, name_zh: str, name_en: str, decimals: int,
                  active: bool = True) -> None:
    """Rename a currency, change its decimals, or (de)activate it. The base currency stays active."""
    company_id = require_company(ctx)
    row = get_owned(ctx.session, Currency, currency_id, company_id)
    ctx.check_version(row, version)
    p = Problems()
    v = _names_and_decimals(p, name_zh, name_en, decimals)
    p.raise_any()
    if not active and row.code == ctx.session.get(Company, company_id).base_currency:
        raise Conflict("error.settings.currency.base_inactive", code=row.code)
    ctx.diff(row, active=bool(active), **v)
    save(ctx)
    ctx.audit("currency", row.id)


@use_case("settings.currency.set_rate", zh="维护汇率", en="Set exchange rate")
def set_exchange_rate(ctx: Context, *, currency_code: str, rate_date: dt.date | str, rate: Decimal | str) -> int:
    """1 ``currency_code`` = ``rate`` base currency from ``rate_date`` on. A second rate for the same day
    replaces the first (the change is audited)."""
    company_id = require_company(ctx)
    p = Problems()
    code = clean_text(p, currency_code, F + "code", max_len=3, upper=True)
    day = clean_date(p, rate_date, "field.settings.rate.date")
    value = clean_decimal(p, rate, "field.settings.rate.rate", scale=EXCHANGE_SCALE)
    if value is not None and value <= 0:
        p.add("error.settings.positive", "field.settings.rate.rate")
    base = ctx.session.get(Company, company_id).base_currency
    if code is not None:
        cur = ctx.session.execute(select(Currency).where(Currency.company_id == company_id,
                                                         Currency.code == code)).scalar_one_or_none()
        if cur is None:
            p.add("error.settings.currency.unknown", F + "code", code=code)
        elif code == base:
            p.add("error.settings.currency.is_base", F + "code", code=code)
    p.raise_any()
    row = ctx.session.execute(select(ExchangeRate).where(
        ExchangeRate.company_id == company_id, ExchangeRate.currency_code == code,
        ExchangeRate.rate_date == day)).scalar_one_or_none()
    if row is None:
        row = ExchangeRate(company_id=company_id, currency_code=code, rate_date=day, rate=value)
        save(ctx, row)
        ctx.audit("exchange_rate", row.id, currency=code, date=day.isoformat(), rate=str(value))
    else:
        ctx.audit("exchange_rate", row.id, currency=code, date=day.isoformat(), rate=[str(row.rate), str(value)])
        row.rate = value
    return row.id


@use_case("settings.currency.delete_rate", zh="删除汇率", en="Delete exchange rate")
def delete_exchange_rate(ctx: Context, *, rate_id: int) -> None:
    row = get_owned(ctx.session, ExchangeRate, rate_id, require_company(ctx))
    ctx.audit("exchange_rate", row.id, currency=row.currency_code, date=row.rate_date.isoformat(),
              rate=str(row.rate), deleted=True)
    ctx.session.delete(row)


def exchange_rate_on(session: Session, company_id: int, currency_code: str, on: dt.date) -> Decimal | None:
    """Latest rate of ``currency_code`` on or before ``on`` (1 for the base currency; None when unknown)."""
    code = currency_code.strip().upper()
    if code == session.get(Company, company_id).base_currency:
        return Decimal(1)
    return session.execute(
        select(ExchangeRate.rate).where(ExchangeRate.company_id == company_id, ExchangeRate.currency_code == code,
                                        ExchangeRate.rate_date <= on)
        .order_by(ExchangeRate.rate_date.desc()).limit(1)).scalar_one_or_none()
