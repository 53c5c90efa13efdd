"""Read side of tax rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import or_, select

from erp_core.kernel.errors import NotFound
from erp_core.security.scope import company_rows
from erp_core.settings.common import Page, like_pattern, paged, require_company
from erp_core.settings.models import TaxRate
from erp_core.settings.tax_services import tax_rate_on
from erp_core.usecase import Context, query

VIEW = ("settings.tax.view", "查看税率", "View tax rates")
COLUMNS = ("id", "code", "name_zh", "name_en", "kind", "rate", "valid_from", "valid_to", "version")
SORTS = {"code": TaxRate.code, "rate": TaxRate.rate, "valid_from": TaxRate.valid_from, "kind": TaxRate.kind}


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_tax_rates(ctx: Context, *, search: str = "", kind: str | None = None, on: dt.date | None = None,
                   sort: str | None = None, descending: bool = False, page: int = 1, page_size: int = 50) -> Page:
    """Tax rates of the company, filtered by text, kind and the day they are valid on."""
    require_company(ctx)
    stmt = company_rows(select(*[getattr(TaxRate, c) for c in COLUMNS]), ctx, company_col=TaxRate.company_id)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(TaxRate.code.ilike(pat, escape="\\"), TaxRate.name_zh.ilike(pat, escape="\\"),
                              TaxRate.name_en.ilike(pat, escape="\\")))
    if kind:
        stmt = stmt.where(TaxRate.kind == kind)
    if on is not None:
        stmt = stmt.where(TaxRate.valid_from <= on, or_(TaxRate.valid_to.is_(None), TaxRate.valid_to >= on))
    rows, total = paged(ctx.session, stmt, sort_columns=SORTS, sort=sort, descending=descending, page=page,
                        page_size=page_size, default_sort="code")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def rate_on(ctx: Context, *, code: str, on: dt.date) -> Decimal:
    """The rate (a fraction) of tax ``code`` valid on ``on``; NotFound when none is."""
    row = tax_rate_on(ctx.session, require_company(ctx), code, on)
    if row is None:
        raise NotFound("error.settings.tax.none_on", code=code, on=on.isoformat())
    return row.rate
