"""五险一金: base below the floor, above the cap, rounding as the row says, fixed amounts, a mid-year change."""

import datetime as dt
from decimal import Decimal as D

from erp_core.hr.payroll.insurance import RateRow, contributions, rows_in_force, totals

PENSION = RateRow("pension", D(3800), D(19000), D("0.16"), D("0.08"))
MEDICAL = RateRow("medical", D(6821), D(35283), D("0.098"), D("0.02"), employee_fixed=D(3))
FUND = RateRow("housing_fund", D(3800), D(19000), D("0.08"), D("0.08"), rounding="yuan")
UNEMP = RateRow("unemployment", D(3800), D(19000), D("0.007"), D("0.003"))


def test_base_below_the_floor_is_raised_to_it():
    (c,) = contributions([PENSION], D(3000))
    assert (c.base, c.employer, c.employee) == (D(3800), D("608.00"), D("304.00"))


def test_base_above_the_cap_is_cut_to_it():
    (c,) = contributions([PENSION], D(25000))
    assert (c.base, c.employer, c.employee) == (D(19000), D("3040.00"), D("1520.00"))


def test_rounding_to_the_fen_and_to_the_yuan_and_fixed_amounts():
    med, fund, un = contributions([MEDICAL, FUND, UNEMP], D("8888.88"), housing_base=D("6543.21"))
    assert med.employer == D("871.11")  # 8,888.88 x 9.8 % = 871.110... half up to the fen
    assert med.employee == D("180.78")  # 177.7776 -> 177.78 + 3 (大额医疗)
    assert fund.base == D("6543.21") and fund.employee == D("523.00")  # 523.4568 -> 523 (yuan)
    assert un.employee == D("26.67") and un.employer == D("62.22")  # 26.66664, 62.22216
    t = totals([med, fund, un])
    assert t["employee_si"] == D("207.45") and t["employee_hf"] == D("523.00")


def test_a_mid_year_table_change_applies_from_its_month():
    old = RateRow("pension", D(6821), D(35283), D("0.16"), D("0.08"))
    new = RateRow("pension", D(7162), D(35811), D("0.16"), D("0.08"))
    rows = [("北京", dt.date(2024, 7, 1), old), ("北京", dt.date(2025, 7, 1), new)]
    assert rows_in_force(rows, "北京", dt.date(2025, 6, 30)) == [old]
    assert rows_in_force(rows, "北京", dt.date(2025, 7, 1)) == [new]
    assert rows_in_force(rows, "长沙", dt.date(2025, 7, 1)) == []
    (june,) = contributions(rows_in_force(rows, "北京", dt.date(2025, 6, 1)), D(7000))
    (july,) = contributions(rows_in_force(rows, "北京", dt.date(2025, 7, 1)), D(7000))
    assert (june.base, july.base, july.employee) == (D(7000), D(7162), D("572.96"))
