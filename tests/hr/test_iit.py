"""累计预扣法: worked examples computed by hand in the test, and the property that the year's withholding equals
the annual table applied to the year's cumulative taxable income."""

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.hr.payroll import iit

ON = dt.date(2026, 1, 31)


def run_year(months, *, first_month=1, small_earner=False):
    """months: list of MonthIncome from ``first_month``; returns the list of Withholding."""
    ytd, out = iit.YearToDate(), []
    for i, m in enumerate(months):
        w = iit.withhold(ytd, m, months_employed=i + 1, small_earner=small_earner,
                         on=dt.date(2026, first_month + i, 1))
        out.append(w)
        ytd = w.ytd
    return out


def test_tables_are_the_published_ones():
    t = iit.cumulative_table(ON)
    assert [(b.upper, b.rate, b.quick) for b in t.brackets] == [
        (D(36000), D("0.03"), D(0)), (D(144000), D("0.10"), D(2520)), (D(300000), D("0.20"), D(16920)),
        (D(420000), D("0.25"), D(31920)), (D(660000), D("0.30"), D(52920)), (D(960000), D("0.35"), D(85920)),
        (None, D("0.45"), D(181920))]
    assert t.monthly_basic_deduction == 5000


def test_first_month_and_bracket_crossing():
    # 30,000 a month, 1,400 employee 三险一金, 1,000 housing loan: taxable 22,600 a month
    m = iit.MonthIncome(D(30000), social=D(1400), special=D(1000))
    jan, feb, mar = run_year([m, m, m])
    assert (jan.taxable, jan.tax) == (D(22600), D("678.00"))  # 22,600 x 3 %
    assert (feb.taxable, feb.rate, feb.tax) == (D(45200), D("0.10"), D("1322.00"))  # 45,200 x 10 % - 2,520 - 678
    assert (mar.taxable, mar.tax) == (D(67800), D("2260.00"))  # 6,780 - 2,520 - 2,000
    assert mar.ytd.withheld == D("4260.00")


def test_a_month_with_a_negative_result_withholds_nothing_and_refunds_nothing():
    jan, feb, mar = run_year([iit.MonthIncome(D(20000)), iit.MonthIncome(D(0)), iit.MonthIncome(D(20000))])
    assert jan.tax == D("450.00")  # 15,000 x 3 %
    assert feb.computed == D("-150.00") and feb.tax == 0  # 10,000 x 3 % = 300 < 450 already withheld
    assert mar.tax == D("300.00")  # 25,000 x 3 % = 750 - 450


def test_mid_year_hire_counts_months_from_the_hire_month():
    jul, aug = run_year([iit.MonthIncome(D(10000)), iit.MonthIncome(D(10000))], first_month=7)
    assert jul.basic_deduction == D(5000) and jul.tax == D("150.00")
    assert aug.basic_deduction == D(10000) and aug.tax == D("150.00")


def test_the_60000_rule_deducts_60000_from_january():
    ws = run_year([iit.MonthIncome(D(8000))] * 12, small_earner=True)
    assert all(w.tax == 0 for w in ws[:7])  # 7 x 8,000 = 56,000 <= 60,000
    assert ws[7].taxable == D(4000) and ws[7].tax == D("120.00")  # August: 64,000 - 60,000
    assert ws[11].taxable == D(36000) and ws[11].ytd.withheld == D("1080.00")
    normal = run_year([iit.MonthIncome(D(8000))] * 12)
    assert normal[0].tax == D("90.00")  # 3,000 x 3 % without the rule


def test_annual_bonus_separately_and_merged():
    assert iit.bonus_tax(D(36000), ON) == D("1080.00")  # 3,000 a month: 3 %
    assert iit.bonus_tax(D(36001), ON) == D("3390.10")  # the 雷区: 10 % - 210
    assert iit.bonus_tax(D(120000), ON) == D("11790.00")  # 10,000 a month: 10 % → 12,000 - 210
    assert iit.bonus_table(dt.date(2028, 1, 1)) is None  # 2023年第30号 ends 2027-12-31: the bonus merges


def test_bonus_merged_into_the_month():
    (jan,) = run_year([iit.MonthIncome(D(10000) + D(36000))])
    assert jan.taxable == D(41000) and jan.tax == D("1580.00")  # 41,000 x 10 % - 2,520


def test_leaver_and_rehire_in_one_year_counts_the_months_employed():
    ytd = iit.YearToDate()
    for month in range(1, 5):  # Jan..Apr 10,000 each
        w = iit.withhold(ytd, iit.MonthIncome(D(10000)), months_employed=month, on=dt.date(2026, month, 1))
        ytd = w.ytd
    assert ytd.withheld == D("600.00")
    aug = iit.withhold(ytd, iit.MonthIncome(D(10000)), months_employed=5, on=dt.date(2026, 8, 1))
    assert aug.basic_deduction == D(25000) and aug.taxable == D(25000) and aug.tax == D("150.00")


money = st.decimals(min_value=0, max_value=300000, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(money, st.decimals(min_value=0, max_value=5000, places=2)), min_size=1, max_size=12),
       st.booleans())
def test_the_year_withholding_equals_the_annual_table_on_the_ytd_taxable(months, small):
    ws = run_year([iit.MonthIncome(inc, social=soc) for inc, soc in months], small_earner=small)
    total = sum(w.tax for w in ws)
    assert total == ws[-1].ytd.withheld
    direct = iit.annual_tax(ws[-1].taxable, ON)
    if all(w.computed >= 0 for w in ws):
        assert total == direct
    else:
        assert total >= direct  # no refund mid-year: settled in 年度汇算
