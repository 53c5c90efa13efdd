"""Units of measure (计量单位) and conversions between them.

A conversion says 1 ``from`` = ``factor`` ``to`` (1 箱 = 12 个); the inverse and chains (吨 -> 千克 -> 克) are
derived, never stored. So the stored conversions form a forest: a new conversion between two units that are
already connected would either repeat what is derivable or contradict it, and is refused either way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.kernel.errors import Conflict
from erp_core.kernel.money import QUANTITY_SCALE
from erp_core.settings.common import (
    Problems,
    clean_code,
    clean_decimal,
    clean_text,
    get_owned,
    require_company,
    save,
)
from erp_core.settings.models import FACTOR_SCALE, Unit, UnitConversion
from erp_core.usecase import Context, use_case

F = "field.settings.unit."


def _names(p: Problems, name_zh, name_en) -> dict:
    return {"name_zh": clean_text(p, name_zh, F + "name_zh", max_len=50),
            "name_en": clean_text(p, name_en, F + "name_en", max_len=50)}


@use_case("settings.unit.create", zh="新增计量单位", en="Add unit of measure")
def create_unit(ctx: Context, *, code: str, name_zh: str, name_en: str) -> int:
    company_id = require_company(ctx)
    p = Problems()
    code = clean_code(p, code, F + "code", max_len=20, upper=True)
    v = _names(p, name_zh, name_en)
    p.raise_any()
    if ctx.session.execute(select(Unit.id).where(Unit.company_id == company_id, Unit.code == code)).first():
        raise Conflict("error.settings.duplicate_code", code=code)
    row = Unit(company_id=company_id, code=code, **v)
    save(ctx, row)
    ctx.audit("unit", row.id, code=code, **v)
    return row.id


@use_case("settings.unit.edit", zh="修改计量单位", en="Edit unit of measure")
def edit_unit(ctx: Context, *, unit_id: int, version: int, name_zh: str, name_en: str, active: bool = True) -> None:
    company_id = require_company(ctx)
    row = get_owned(ctx.session, Unit, unit_id, company_id)
    ctx.check_version(row, version)
    p = Problems()
    v = _names(p, name_zh, name_en)
    p.raise_any()
    ctx.diff(row, active=bool(active), **v)
    save(ctx)
    ctx.audit("unit", row.id)


def _edges(session: Session, company_id: int) -> list[tuple[int, int, Fraction]]:
    return [(c.from_unit_id, c.to_unit_id, Fraction(c.factor)) for c in session.execute(
        select(UnitConversion).where(UnitConversion.company_id == company_id)).scalars()]


def derive_factor(edges: Iterable[tuple[int, int, Fraction]], from_unit: int, to_unit: int) -> Fraction | None:
    """Exact factor such that 1 ``from_unit`` = factor ``to_unit`` through any chain of ``edges``
    ((a, b, f): 1 a = f b, usable both ways); None when the units are unrelated."""
    if from_unit == to_unit:
        return Fraction(1)
    graph: dict[int, list[tuple[int, Fraction]]] = {}
    for a, b, f in edges:
        graph.setdefault(a, []).append((b, f))
        graph.setdefault(b, []).append((a, 1 / f))
    seen = {from_unit: Fraction(1)}
    todo = deque([from_unit])
    while todo:
        u = todo.popleft()
        for v, f in graph.get(u, []):
            if v not in seen:
                seen[v] = seen[u] * f
                if v == to_unit:
                    return seen[v]
                todo.append(v)
    return None


def conversion_factor(session: Session, company_id: int, from_unit_id: int, to_unit_id: int) -> Fraction | None:
    """Exact factor such that 1 ``from`` = factor ``to``, derived through any chain; None if unrelated."""
    return derive_factor(_edges(session, company_id), from_unit_id, to_unit_id)


def convert_quantity(session: Session, company_id: int, quantity: Decimal, from_unit_id: int,
                     to_unit_id: int) -> Decimal | None:
    """``quantity`` in ``from`` expressed in ``to``, rounded half up to the quantity scale (None if unrelated)."""
    f = conversion_factor(session, company_id, from_unit_id, to_unit_id)
    if f is None:
        return None
    exact = Fraction(quantity) * f
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal(1).scaleb(-QUANTITY_SCALE), rounding=ROUND_HALF_UP)


@use_case("settings.unit.add_conversion", zh="新增单位换算", en="Add unit conversion")
def add_conversion(ctx: Context, *, from_unit_id: int, to_unit_id: int, factor: Decimal | str) -> int:
    """1 ``from`` = ``factor`` ``to``. Refused when the units are already related (cycle or contradiction)."""
    company_id = require_company(ctx)
    p = Problems()
    value = clean_decimal(p, factor, F + "factor", scale=FACTOR_SCALE)
    if value is not None and value <= 0:
        p.add("error.settings.positive", F + "factor")
    units = {}
    for name, uid in (("from_unit", from_unit_id), ("to_unit", to_unit_id)):
        unit = ctx.session.get(Unit, uid) if uid is not None else None
        if unit is None or unit.company_id != company_id:
            p.add("error.required", F + name)
        else:
            units[name] = unit
    if len(units) == 2 and from_unit_id == to_unit_id:
        p.add("error.settings.unit.same", F + "to_unit")
    p.raise_any()
    existing = conversion_factor(ctx.session, company_id, from_unit_id, to_unit_id)
    if existing is not None:
        derived = Decimal(existing.numerator) / Decimal(existing.denominator)
        msg = "error.settings.unit.redundant" if existing == Fraction(value) else "error.settings.unit.contradiction"
        raise Conflict(msg, from_unit=units["from_unit"].code, to_unit=units["to_unit"].code,
                       factor=format(derived.normalize(), "f"))
    row = UnitConversion(company_id=company_id, from_unit_id=from_unit_id, to_unit_id=to_unit_id, factor=value)
    save(ctx, row)
    ctx.audit("unit_conversion", row.id, from_unit=units["from_unit"].code, to_unit=units["to_unit"].code,
              factor=str(value))
    return row.id


@use_case("settings.unit.remove_conversion", zh="删除单位换算", en="Remove unit conversion")
def remove_conversion(ctx: Context, *, conversion_id: int) -> None:
    row = get_owned(ctx.session, UnitConversion, conversion_id, require_company(ctx))
    ctx.audit("unit_conversion", row.id, from_unit_id=row.from_unit_id, to_unit_id=row.to_unit_id,
              factor=str(row.factor), deleted=True)
    ctx.session.delete(row)
