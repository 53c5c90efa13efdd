"""Read side of units of measure and conversions."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from erp_core.kernel.errors import NotFound
from erp_core.security.scope import company_rows
from erp_core.settings.common import like_pattern, require_company
from erp_core.settings.models import Unit, UnitConversion
from erp_core.settings.unit_services import convert_quantity
from erp_core.usecase import Context, query

VIEW = ("settings.unit.view", "查看计量单位", "View units of measure")


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_units(ctx: Context, *, search: str = "", include_inactive: bool = True) -> list[dict]:
    require_company(ctx)
    stmt = company_rows(select(Unit.id, Unit.code, Unit.name_zh, Unit.name_en, Unit.active, Unit.version), ctx,
                  company_col=Unit.company_id)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(Unit.code.ilike(pat, escape="\\"), Unit.name_zh.ilike(pat, escape="\\"),
                              Unit.name_en.ilike(pat, escape="\\")))
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    return [dict(r._mapping) for r in ctx.session.execute(stmt.order_by(Unit.code))]


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_conversions(ctx: Context) -> list[dict]:
    require_company(ctx)
    a, b = aliased(Unit), aliased(Unit)
    stmt = company_rows(select(UnitConversion.id, a.code.label("from_code"), a.name_zh.label("from_name_zh"),
                         UnitConversion.factor, b.code.label("to_code"), b.name_zh.label("to_name_zh"))
                  .join(a, a.id == UnitConversion.from_unit_id).join(b, b.id == UnitConversion.to_unit_id),
                  ctx, company_col=UnitConversion.company_id)
    return [dict(r._mapping) for r in ctx.session.execute(stmt.order_by(a.code, b.code))]


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def convert(ctx: Context, *, quantity: Decimal, from_unit_id: int, to_unit_id: int) -> Decimal:
    """``quantity`` of ``from`` in ``to`` (through any chain of conversions); NotFound when unrelated."""
    out = convert_quantity(ctx.session, require_company(ctx), Decimal(quantity), from_unit_id, to_unit_id)
    if out is None:
        raise NotFound("error.settings.unit.unrelated")
    return out
