"""五险一金: the employer's and the employee's contributions from a city's rate rows (data, per city and period).

The contribution base (缴费基数) is the employee's declared base clamped to the row's floor and cap; each side is
base x rate rounded as the row says (to the fen, jiao or yuan, half up), plus the row's fixed amount (e.g. Beijing's
3-yuan 大额医疗 on the employee side)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
RISKS = ("pension", "medical", "unemployment", "injury", "maternity", "housing_fund")  # 养老 医疗 失业 工伤 生育 公积金
ROUNDING = {"fen": Decimal("0.01"), "jiao": Decimal("0.1"), "yuan": Decimal("1")}


@dataclass(frozen=True)
class RateRow:
    risk: str
    base_min: Decimal
    base_max: Decimal
    employer_rate: Decimal
    employee_rate: Decimal
    employer_fixed: Decimal = ZERO
    employee_fixed: Decimal = ZERO
    rounding: str = "fen"


@dataclass(frozen=True)
class Contribution:
    risk: str
    base: Decimal  # the clamped base
    employer: Decimal
    employee: Decimal


def clamp(base: Decimal, row: RateRow) -> Decimal:
    return min(max(base, row.base_min), row.base_max)


def _round(value: Decimal, rounding: str) -> Decimal:
    return value.quantize(ROUNDING[rounding], rounding=ROUND_HALF_UP).quantize(ROUNDING["fen"])


def contributions(rows: list[RateRow], base: Decimal, *, housing_base: Decimal | None = None) -> list[Contribution]:
    """One contribution per rate row for ``base`` (``housing_base`` for the housing fund when it differs)."""
    out = []
    for row in rows:
        b = clamp(housing_base if (row.risk == "housing_fund" and housing_base is not None) else base, row)
        out.append(Contribution(row.risk, b, _round(b * row.employer_rate, row.rounding) + row.employer_fixed,
                                _round(b * row.employee_rate, row.rounding) + row.employee_fixed))
    return out


def totals(contribs: list[Contribution]) -> dict[str, Decimal]:
    """employer/employee social insurance (五险) and housing fund (公积金) sums."""
    si = [c for c in contribs if c.risk != "housing_fund"]
    hf = [c for c in contribs if c.risk == "housing_fund"]
    return {"employer_si": sum((c.employer for c in si), ZERO), "employee_si": sum((c.employee for c in si), ZERO),
            "employer_hf": sum((c.employer for c in hf), ZERO), "employee_hf": sum((c.employee for c in hf), ZERO)}


def rows_in_force(rows: list[tuple], city: str, on) -> list[RateRow]:  # noqa: ANN001
    """From (city, effective_from, RateRow) tuples: the rows of ``city`` of the latest period starting on or
    before ``on`` (a table change mid-year applies from its effective month)."""
    dates = sorted({d for c, d, _ in rows if c == city and d <= on})
    if not dates:
        return []
    return [r for c, d, r in rows if c == city and d == dates[-1]]
