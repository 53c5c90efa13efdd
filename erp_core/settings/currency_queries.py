"""Read side of currencies and exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.kernel.errors import NotFound
from erp_core.security.scope import company_rows
from erp_core.settings.common import Page, paged, require_company
from erp_core.settings.currency_services import exchange_rate_on
from erp_core.settings.models import Currency, ExchangeRate
from erp_core.usecase import Context, query

VIEW = ("settings.currency.view", "查看币种和汇率", "View currencies and exchange rates")


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_currencies(ctx: Context, *, include_inactive: bool = True) -> list[dict]:
    require_company(ctx)
    stmt = company_rows(select(Currency.id, Currency.code, Currency.name_zh, Currency.name_en, Currency.decimals,
                         Currency.active, Currency.version), ctx, company_col=Currency.company_id)
    if not include_inactive:
        stmt = stmt.where(Currency.active.is_(True))
    return [dict(r._mapping) for r in ctx.session.execute(stmt.order_by(Currency.code))]


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_exchange_rates(ctx: Context, *, currency_code: str | None = None, date_from: dt.date | None = None,
                        date_to: dt.date | None = None, sort: str | None = None, descending: bool = True,
                        page: int = 1, page_size: int = 50) -> Page:
    require_company(ctx)
    stmt = company_rows(select(ExchangeRate.id, ExchangeRate.currency_code, ExchangeRate.rate_date, ExchangeRate.rate),
                  ctx, company_col=ExchangeRate.company_id)
    if currency_code:
        stmt = stmt.where(ExchangeRate.currency_code == currency_code.upper())
    if date_from:
        stmt = stmt.where(ExchangeRate.rate_date >= date_from)
    if date_to:
        stmt = stmt.where(ExchangeRate.rate_date <= date_to)
    sorts = {"rate_date": ExchangeRate.rate_date, "currency_code": ExchangeRate.currency_code}
    rows, total = paged(ctx.session, stmt, sort_columns=sorts, sort=sort, descending=descending, page=page,
                        page_size=page_size, default_sort="rate_date")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def rate_on(ctx: Context, *, currency: str, on: dt.date) -> Decimal:
    """The latest exchange rate of ``currency`` on or before ``on``; NotFound when there is none."""
    rate = exchange_rate_on(ctx.session, require_company(ctx), currency, on)
    if rate is None:
        raise NotFound("error.settings.rate.none_on", currency=currency, on=on.isoformat())
    return rate
