"""Individual income tax withheld on wages by the cumulative method (累计预扣法, 国家税务总局公告2018年第61号).

Pure functions over Decimal; the tables are dated data in db/seed/payroll/iit.toml (never constants here):

    累计预扣预缴应纳税所得额 = 累计收入 - 累计免税收入 - 累计减除费用 - 累计专项扣除 - 累计专项附加扣除
                              - 累计依法确定的其他扣除
    本期应预扣预缴税额 = (累计应纳税所得额 x 预扣率 - 速算扣除数) - 累计减免税额 - 累计已预扣预缴税额, never < 0

累计减除费用 is 5,000 x the months employed at this employer this year, or 60,000 from January for an employee
this employer paid <= 60,000 in the whole previous year (税务总局公告2020年第19号). The annual bonus (全年一次性奖金)
is taxed either separately (monthly table on bonus / 12, until the law's end date) or merged into the month.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from erp_core.kernel.money import FEN

ZERO = Decimal(0)
SEED = Path(__file__).resolve().parents[3] / "db" / "seed" / "payroll" / "iit.toml"


@dataclass(frozen=True)
class Bracket:
    upper: Decimal | None  # None: open-ended top bracket
    rate: Decimal
    quick: Decimal  # 速算扣除数


@dataclass(frozen=True)
class CumulativeTable:  # 预扣率表一 and the deduction rules of its period
    effective_from: dt.date
    monthly_basic_deduction: Decimal
    small_earner_threshold: Decimal
    small_earner_from: dt.date
    brackets: tuple[Bracket, ...]


@dataclass(frozen=True)
class BonusTable:  # 按月换算后的综合所得税率表
    effective_from: dt.date
    effective_to: dt.date | None
    brackets: tuple[Bracket, ...]


def _brackets(rows: list[list[str]]) -> tuple[Bracket, ...]:
    return tuple(Bracket(Decimal(u) if u else None, Decimal(r), Decimal(q)) for u, r, q in rows)


@functools.cache
def _load() -> tuple[tuple[CumulativeTable, ...], tuple[BonusTable, ...], tuple[dict, ...]]:
    data = tomllib.loads(SEED.read_text(encoding="utf-8"))
    cum = tuple(sorted((CumulativeTable(t["effective_from"], Decimal(t["monthly_basic_deduction"]),
                                        Decimal(t["small_earner_threshold"]), t["small_earner_from"],
                                        _brackets(t["brackets"])) for t in data["cumulative"]),
                       key=lambda t: t.effective_from))
    bonus = tuple(sorted((BonusTable(t["effective_from"], t.get("effective_to"), _brackets(t["brackets"]))
                          for t in data["bonus"]), key=lambda t: t.effective_from))
    special = tuple(sorted(data.get("special_deductions", []), key=lambda t: t["effective_from"]))
    return cum, bonus, special


def cumulative_table(on: dt.date) -> CumulativeTable:
    """The 预扣率表 in force on ``on``."""
    found = [t for t in _load()[0] if t.effective_from <= on]
    if not found:
        raise LookupError(f"no IIT table in force on {on}")
    return found[-1]


def bonus_table(on: dt.date) -> BonusTable | None:
    """The annual-bonus table in force on ``on``; None once separate taxation has ended (the bonus merges)."""
    found = [t for t in _load()[1] if t.effective_from <= on and (t.effective_to is None or on <= t.effective_to)]
    return found[-1] if found else None


def special_deduction_standards(on: dt.date) -> dict[str, Decimal]:
    """The standard monthly amounts of the 专项附加扣除 kinds in force on ``on`` (page defaults)."""
    found = [t for t in _load()[2] if t["effective_from"] <= on]
    return {k: Decimal(v) for k, v in (found[-1] if found else {}).items() if k != "effective_from"}


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def bracket_for(brackets: tuple[Bracket, ...], amount: Decimal) -> Bracket:
    for b in brackets:
        if b.upper is None or amount <= b.upper:
            return b
    return brackets[-1]


def tax_on(brackets: tuple[Bracket, ...], taxable: Decimal) -> Decimal:
    """taxable x rate - quick deduction, to the fen (half up); 0 for taxable <= 0."""
    if taxable <= 0:
        return ZERO
    b = bracket_for(brackets, taxable)
    return max(ZERO, fen(taxable * b.rate - b.quick))


def annual_tax(taxable: Decimal, on: dt.date) -> Decimal:
    """The annual table applied directly to a year's cumulative taxable income (the property the method keeps)."""
    return tax_on(cumulative_table(on).brackets, taxable)


def bonus_tax(bonus: Decimal, on: dt.date) -> Decimal:
    """全年一次性奖金 taxed separately: bonus x rate - quick, the rate found by bonus / 12 in the monthly table."""
    table = bonus_table(on)
    if table is None:
        raise LookupError(f"separate taxation of the annual bonus is not in force on {on}")
    if bonus <= 0:
        return ZERO
    b = bracket_for(table.brackets, bonus / 12)
    return max(ZERO, fen(bonus * b.rate - b.quick))


@dataclass(frozen=True)
class YearToDate:
    """What this employer withheld on so far this year (before the month being computed)."""

    income: Decimal = ZERO  # 累计收入 (taxable wages; a separately taxed bonus is not in it)
    tax_free: Decimal = ZERO  # 累计免税收入
    social: Decimal = ZERO  # 累计专项扣除 (employee 三险一金)
    special: Decimal = ZERO  # 累计专项附加扣除
    other: Decimal = ZERO  # 累计依法确定的其他扣除
    relief: Decimal = ZERO  # 累计减免税额
    withheld: Decimal = ZERO  # 累计已预扣预缴税额 (wages only)


@dataclass(frozen=True)
class MonthIncome:
    income: Decimal  # this month's wages (incl. a merged bonus)
    tax_free: Decimal = ZERO
    social: Decimal = ZERO
    special: Decimal = ZERO
    other: Decimal = ZERO
    relief: Decimal = ZERO


@dataclass(frozen=True)
class Withholding:
    ytd: YearToDate  # including this month
    basic_deduction: Decimal  # 累计减除费用
    taxable: Decimal  # 累计预扣预缴应纳税所得额 (>= 0)
    rate: Decimal
    quick: Decimal
    cumulative_tax: Decimal  # 累计应纳税额 (before relief and what was withheld)
    tax: Decimal  # 本期应预扣预缴税额 (>= 0)
    computed: Decimal  # the formula's value before "never negative"


def withhold(before: YearToDate, month: MonthIncome, *, months_employed: int, small_earner: bool = False,
             on: dt.date) -> Withholding:
    """This month's IIT by the cumulative method. ``months_employed``: months at this employer this year up to
    and including this one (a mid-year hire counts from the hire month). ``small_earner``: paid <= 60,000 by
    this employer in the whole previous year, so 累计减除费用 is 60,000 from January."""
    if months_employed < 1 or months_employed > 12:
        raise ValueError("months_employed must be 1..12")
    table = cumulative_table(on)
    ytd = YearToDate(income=before.income + month.income, tax_free=before.tax_free + month.tax_free,
                     social=before.social + month.social, special=before.special + month.special,
                     other=before.other + month.other, relief=before.relief + month.relief,
                     withheld=before.withheld)
    basic = table.monthly_basic_deduction * months_employed
    if small_earner and on >= table.small_earner_from:
        basic = max(basic, table.small_earner_threshold)
    taxable = max(ZERO, ytd.income - ytd.tax_free - basic - ytd.social - ytd.special - ytd.other)
    b = bracket_for(table.brackets, taxable)
    cum_tax = tax_on(table.brackets, taxable)
    computed = cum_tax - ytd.relief - before.withheld
    tax = max(ZERO, computed)
    ytd = YearToDate(**{**ytd.__dict__, "withheld": before.withheld + tax})
    return Withholding(ytd=ytd, basic_deduction=basic, taxable=taxable, rate=b.rate if taxable > 0 else ZERO,
                       quick=b.quick if taxable > 0 else ZERO, cumulative_tax=cum_tax, tax=tax, computed=computed)
