"""A month of a small trading company's books (小企业会计准则), kept by hand, and the statements they give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from erp_core.analytics import queries
from erp_core.kernel.errors import ValidationError, ValidationErrors
from tests.support.factories import actor

JAN = dt.date(2026, 1, 1)


def day(n: int, month: int = 1) -> dt.date:
    return dt.date(2026, month, n)


def keep_january(books):
    b = books
    b.post(day(2), ("1002", "500000", 0, "收到投资款"), ("3001", 0, "500000", "收到投资款"))
    b.post(day(3), ("1001", "10000", 0, "提现"), ("1002", 0, "10000", "提现"))
    b.post(day(5), ("1405", "100000", 0, "采购商品"), ("22210101", "13000", 0, "进项税额"),
           ("220201", 0, "113000", {"supplier": 7}, "采购商品"))
    b.post(day(10), ("1122", "169500", 0, {"customer": 3}, "销售商品"), ("5001", 0, "150000", "销售商品"),
           ("22210102", 0, "19500", "销项税额"))
    b.post(day(10), ("5401", "80000", 0, "结转销售成本"), ("1405", 0, "80000", "结转销售成本"))
    b.post(day(15), ("220201", "113000", 0, {"supplier": 7}, "支付货款"), ("1002", 0, "113000", "支付货款"))
    b.post(day(20), ("1002", "100000", 0, "收到货款"), ("1122", 0, "100000", {"customer": 3}, "收到货款"))
    b.post(day(25), ("5601", "3000", 0, "运费"), ("1001", 0, "3000", "运费"))
    b.post(day(25), ("5602", "5000", 0, "办公费"), ("1002", 0, "5000", "办公费"))
    b.post(day(26), ("5603", "200", 0, "手续费"), ("1002", 0, "200", "手续费"))
    b.post(day(31), ("5602", "20000", 0, {"department": 1}, "计提工资"),
           ("221101", 0, "20000", {"department": 1}, "计提工资"))
    # 结转损益 (carry-forward to 本年利润), done by hand
    b.post(day(31), ("5001", "150000", 0), ("5401", 0, "80000"), ("5601", 0, "3000"), ("5602", 0, "25000"),
           ("5603", 0, "200"), ("3103", 0, "41800"))


def by_code(df):
    return {r.account_code: r for r in df.itertuples()}


def by_line(df):
    return {int(r.line_no): r for r in df.itertuples() if r.line_no is not None and str(r.line_no) != "<NA>"}


def test_trial_balance_of_january(db, company, books):
    keep_january(books)
    admin = actor(company.company_id, {"finance.report.view": "all"})
    tb = queries.trial_balance(db, admin, period_from="2026-01", period_to="2026-01")
    rows = by_code(tb)
    assert rows["1002"].closing_debit == D("471800.00")
    assert rows["1001"].closing_debit == D("7000.00")
    assert rows["1122"].period_debit == D("169500.00") and rows["1122"].period_credit == D("100000.00")
    assert rows["1122"].closing_debit == D("69500.00")
    # parents roll up their children: 2221 = 进项 13,000 debit against 销项 19,500 credit
    assert rows["2221"].period_debit == D("13000.00") and rows["2221"].period_credit == D("19500.00")
    assert rows["2221"].closing_credit == D("6500.00")
    assert rows["222101"].closing_credit == D("6500.00")
    assert rows["3103"].closing_credit == D("41800.00")
    assert "5001" in rows and rows["5001"].closing_debit == 0 and rows["5001"].closing_credit == 0
    total = tb[tb["is_total"]].iloc[0]
    assert total["period_debit"] == total["period_credit"] == D("1263700.00")
    assert total["closing_debit"] == total["closing_credit"] == D("568300.00")
    assert total["opening_debit"] == total["opening_credit"] == 0
    assert all(isinstance(v, D) for v in tb["closing_debit"])
    assert tb.attrs["as_of"].watermark == 30


def test_trial_balance_opening_from_earlier_periods(db, company, books):
    keep_january(books)
    books.post(day(3, 2), ("1001", "10000", 0, "现销"), ("5001", 0, "10000", "现销"))
    admin = actor(company.company_id, {"finance.report.view": "all"})
    rows = by_code(queries.trial_balance(db, admin, period_from="2026-02", period_to="2026-02"))
    assert rows["1001"].opening_debit == D("7000.00")
    assert rows["1001"].period_debit == D("10000.00")
    assert rows["1001"].closing_debit == D("17000.00")
    assert rows["5001"].closing_credit == D("10000.00")


def test_balance_sheet_of_january(db, company, books):
    keep_january(books)
    admin = actor(company.company_id, {"finance.report.view": "all"})
    bs = by_line(queries.balance_sheet(db, admin, period="2026-01"))
    expected = {1: "478800.00", 4: "69500.00", 9: "20000.00", 12: "20000.00", 15: "568300.00", 30: "568300.00",
                33: "0.00", 35: "20000.00", 36: "6500.00", 41: "26500.00", 47: "26500.00", 48: "500000.00",
                51: "41800.00", 52: "541800.00", 53: "568300.00"}
    for line_no, amount in expected.items():
        assert bs[line_no].closing_amount == D(amount), line_no
        assert bs[line_no].opening_amount == 0
    assert bs[30].closing_amount == bs[53].closing_amount


def test_balance_sheet_balances_before_carry_forward(db, company, books):
    keep_january(books)
    books.post(day(3, 2), ("1001", "10000", 0), ("5001", 0, "10000"))
    admin = actor(company.company_id, {"finance.report.view": "all"})
    bs = by_line(queries.balance_sheet(db, admin, period="2026-02"))
    assert bs[1].closing_amount == D("488800.00")
    assert bs[51].closing_amount == D("51800.00")  # 本年利润 41,800 + February's profit not yet carried forward
    assert bs[30].closing_amount == bs[53].closing_amount == D("578300.00")


def test_receivable_credit_balances_move_to_advances(db, company, books):
    books.post(day(2), ("1002", "1000", 0), ("1122", 0, "1000", {"customer": 1}))  # customer paid in advance
    books.post(day(2), ("1122", "3000", 0, {"customer": 2}), ("5001", 0, "3000"))
    admin = actor(company.company_id, {"finance.report.view": "all"})
    bs = by_line(queries.balance_sheet(db, admin, period="2026-01"))
    assert bs[4].closing_amount == D("3000.00")  # 应收账款: debit balances only
    assert bs[34].closing_amount == D("1000.00")  # 预收账款 holds customer 1's credit balance


def test_income_statement_of_january_and_february(db, company, books):
    keep_january(books)
    books.post(day(3, 2), ("1001", "10000", 0), ("5001", 0, "10000"))
    admin = actor(company.company_id, {"finance.report.view": "all"})
    jan = by_line(queries.income_statement(db, admin, period="2026-01"))
    assert jan[1].period_amount == D("150000.00")  # the carry-forward voucher does not cancel the revenue
    assert jan[2].period_amount == D("80000.00")
    assert jan[11].period_amount == D("3000.00")
    assert jan[14].period_amount == D("25000.00")
    assert jan[18].period_amount == D("200.00")
    assert jan[21].period_amount == jan[30].period_amount == jan[32].period_amount == D("41800.00")
    feb = by_line(queries.income_statement(db, admin, period="2026-02"))
    assert feb[1].period_amount == D("10000.00") and feb[1].year_to_date_amount == D("160000.00")
    assert feb[32].period_amount == D("10000.00") and feb[32].year_to_date_amount == D("51800.00")


def test_enterprise_company_statements(db):
    """企业会计准则: its own chart codes (4001 实收资本, 6001 主营业务收入, 4103 本年利润) and layout."""
    from erp_core.kernel.actor import Actor
    from erp_core.setup.demo import demo_tax_id
    from erp_core.setup.services import SETUP_PERMISSION, run_setup
    from tests.analytics.books import Books
    from tests.support.factories import ADMIN_PASSWORD, admin_actor

    result = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="测试制造有限公司",
                       tax_id=demo_tax_id(), admin_username="admin", admin_password=ADMIN_PASSWORD,
                       accounting_standard="enterprise")
    b = Books(db, result.company_id, admin_actor(db, result))
    b.post(day(2), ("1002", "300000", 0), ("4001", 0, "300000"))
    b.post(day(9), ("1002", "50000", 0), ("6001", 0, "50000"))
    b.post(day(9), ("6602", "8000", 0), ("1002", 0, "8000"))
    admin = actor(result.company_id, {"finance.report.view": "all"})
    bs = by_line(queries.balance_sheet(db, admin, period="2026-01"))
    assert bs[1].closing_amount == D("342000.00")
    assert bs[37].closing_amount == D("300000.00")
    assert bs[40].closing_amount == D("42000.00")  # profit not yet carried forward
    assert bs[20].closing_amount == bs[42].closing_amount == D("342000.00")
    inc = by_line(queries.income_statement(db, admin, period="2026-01"))
    assert inc[1].period_amount == D("50000.00") and inc[5].period_amount == D("8000.00")
    assert inc[17].period_amount == D("42000.00")


def test_ledger_running_balance_and_totals(db, company, books):
    keep_january(books)
    books.post(day(3, 2), ("1001", "10000", 0), ("5001", 0, "10000"))
    reader = actor(company.company_id, {"finance.ledger.view": "all"})
    df = queries.ledger(db, reader, account_code="1001", period_from="2026-02", period_to="2026-02")
    kinds = list(df["row_kind"])
    assert kinds == ["opening", "line", "period_total", "year_total"]
    assert df.iloc[0]["balance"] == D("7000.00") and df.iloc[0]["direction"] == "借"
    assert df.iloc[1]["balance"] == D("17000.00") and df.iloc[1]["voucher"] == "记-0001"  # as lists show it
    assert df.iloc[3]["debit"] == D("20000.00") and df.iloc[3]["credit"] == D("3000.00")
    jan = queries.ledger(db, reader, account_code="1002", period_from="2026-01", period_to="2026-01")
    lines = jan[jan["row_kind"] == "line"]
    assert list(lines["balance"])[-1] == D("471800.00")
    summary = queries.ledger(db, reader, account_code="1002", period_from="2026-01", period_to="2026-01",
                             detail=False)
    assert list(summary["row_kind"]) == ["opening", "period_total", "year_total"]
    assert summary.iloc[1]["balance"] == D("471800.00")


def test_drill_down_returns_the_vouchers_behind_a_cell(db, company, books):
    keep_january(books)
    reader = actor(company.company_id, {"finance.ledger.view": "all"})
    df = queries.drill_down(db, reader, account_code="1122", period_from="2026-01", period_to="2026-01")
    assert list(df["debit"]) == [D("169500.00"), D("0.00")]
    assert list(df["credit"]) == [D("0.00"), D("100000.00")]
    assert list(df["voucher"]) == ["记-0004", "记-0007"]
    assert df["debit"].sum() - df["credit"].sum() == D("69500.00")


def test_dimension_ledger_and_aging(db, company, books):
    keep_january(books)
    books.post(day(1, 3), ("1122", "5000", 0, {"customer": 3}), ("5001", 0, "5000"))
    books.post(day(2, 3), ("1122", "700", 0, {"customer": 4}), ("5001", 0, "700"))
    admin = actor(company.company_id, {"finance.report.view": "all"})
    dims = queries.dimension_ledger(db, admin, dimension="customer", account_code="1122",
                                    period_from="2026-01", period_to="2026-03")
    got = {r.dimension_id: r.closing_debit for r in dims.itertuples()}
    assert got == {3: D("74500.00"), 4: D("700.00")}
    named = dims[dims["dimension_id"] == 3].iloc[0]
    assert (named["dimension_code"], named["dimension_name"]) == ("C003", "测试客户3号商贸公司")
    aging = queries.aging(db, admin, kind="receivable", as_of_date=dt.date(2026, 3, 15))
    rows = {r.dimension_id: r for r in aging.itertuples(index=False)}
    c3 = rows[3]._asdict()
    assert c3["balance"] == D("74500.00")
    assert c3["_5"] == D("0")  # column order: 0-30, 31-60, 61-90, 91-180, >180
    row3 = aging[aging["dimension_id"] == 3].iloc[0]
    assert row3["0-30"] == D("5000.00") and row3["61-90"] == D("69500.00")
    assert aging[aging["dimension_id"] == 4].iloc[0]["0-30"] == D("700.00")
    payables = queries.aging(db, admin, kind="payable", as_of_date=dt.date(2026, 3, 15))
    assert payables.empty  # supplier 7 was paid in full


def test_row_scope_limits_lines_to_own_departments(db, company, books):
    keep_january(books)
    dept = actor(company.company_id, {"finance.report.view": "department"}, department_ids=frozenset({1}))
    rows = by_code(queries.trial_balance(db, dept, period_from="2026-01", period_to="2026-01"))
    assert set(rows) == {"5602", "2211", "221101", ""}
    assert rows["5602"].period_debit == D("20000.00")
    own = actor(company.company_id, {"finance.report.view": "own"})
    only_total = queries.trial_balance(db, own, period_from="2026-01", period_to="2026-01")
    assert list(only_total["account_code"]) == [""]


def test_reports_refuse_without_permission_and_bad_periods(db, company, books):
    from erp_core.kernel.errors import PermissionDenied

    nobody = actor(company.company_id, {"finance.ledger.view": "all"})
    with pytest.raises(PermissionDenied):
        queries.trial_balance(db, nobody, period_from="2026-01", period_to="2026-01")
    admin = actor(company.company_id, {"finance.report.view": "all"})
    with pytest.raises(ValidationErrors) as err:
        queries.trial_balance(db, admin, period_from="2026-13", period_to="")
    assert {e.params["field"] for e in err.value.errors} == {"field.reports.period_from", "field.reports.period_to"}
    with pytest.raises(ValidationError):
        queries.trial_balance(db, admin, period_from="2026-03", period_to="2026-01")


def test_a_new_posting_shows_in_the_next_report(db, company, books):
    admin = actor(company.company_id, {"finance.report.view": "all"})
    books.post(day(2), ("1002", "100", 0), ("3001", 0, "100"))
    first = queries.trial_balance(db, admin, period_from="2026-01", period_to="2026-01")
    books.post(day(3), ("1002", "50", 0), ("3001", 0, "50"))
    second = by_code(queries.trial_balance(db, admin, period_from="2026-01", period_to="2026-01"))
    assert by_code(first)["1002"].closing_debit == D("100.00")
    assert second["1002"].closing_debit == D("150.00")


def test_ledger_lines_carry_plain_python_values(db, company, books):
    keep_january(books)
    reader = actor(company.company_id, {"finance.ledger.view": "all"})
    df = queries.ledger(db, reader, account_code="1122", period_from="2026-01", period_to="2026-01")
    line = df[df["row_kind"] == "line"].iloc[0]
    assert line["posting_date"] == dt.date(2026, 1, 10) and type(line["posting_date"]) is dt.date
    assert line["debit"] == D("169500.00") and line["direction"] == "借"
    assert df[df["row_kind"] == "line"].iloc[1]["balance"] == D("69500.00")


def test_general_ledger_of_all_first_level_accounts(db, company, books):
    keep_january(books)
    books.post(day(3, 2), ("1001", "10000", 0), ("5001", 0, "10000"))
    reader = actor(company.company_id, {"finance.ledger.view": "all"})
    df = queries.general_ledger(db, reader, period_from="2026-02", period_to="2026-02")
    cash = df[df["account_code"] == "1001"]
    assert list(cash["row_kind"]) == ["opening", "period_total", "year_total"]
    assert list(cash["balance"]) == [D("7000.00"), D("17000.00"), D("17000.00")]
    assert cash.iloc[2]["debit"] == D("20000.00") and cash.iloc[2]["credit"] == D("3000.00")
    taxes = df[df["account_code"] == "2221"]  # 进项/销项 sub-accounts rolled up into 应交税费
    assert taxes.iloc[0]["balance"] == D("6500.00") and taxes.iloc[0]["direction"] == "贷"
    assert "22210101" not in set(df["account_code"])


def test_year_to_date_restarts_when_a_ledger_range_crosses_the_year(db, company, books):
    books.post(dt.date(2025, 11, 5), ("1001", "100", 0), ("3001", 0, "100"))
    books.post(dt.date(2025, 12, 5), ("1001", "200", 0), ("3001", 0, "200"))
    books.post(dt.date(2026, 1, 5), ("1001", "400", 0), ("3001", 0, "400"))
    reader = actor(company.company_id, {"finance.ledger.view": "all"})
    df = queries.ledger(db, reader, account_code="1001", period_from="2025-12", period_to="2026-01", detail=False)
    ytd = df[df["row_kind"] == "year_total"]
    assert list(ytd["period"]) == ["2025-12", "2026-01"]
    assert list(ytd["debit"]) == [D("300.00"), D("400.00")]
    assert list(df["balance"]) == [D("100.00"), D("300.00"), D("300.00"), D("700.00"), D("700.00")]


def test_a_red_reversal_cancels_the_original_in_every_report(db, company, books):
    from erp_core.ledger.posting import reverse_voucher

    keep_january(books)
    wrong = books.post(day(28), ("1122", "5650", 0, {"customer": 4}), ("5001", 0, "5000"),
                       ("22210102", 0, "650"))
    from erp_core.finance.voucher_services import review_voucher
    from erp_core.ledger.posting import post_voucher

    red = reverse_voucher(db, books.preparer, voucher_id=wrong, voucher_date=day(29))  # a draft red entry
    review_voucher(db, books.reviewer, voucher_id=red)
    post_voucher(db, books.preparer, voucher_id=red)
    admin = actor(company.company_id, {"finance.report.view": "all", "finance.ledger.view": "all"})
    rows = by_code(queries.trial_balance(db, admin, period_from="2026-01", period_to="2026-01"))
    assert rows["1122"].period_debit == D("169500.00")  # +5,650 and the red -5,650 on the same side
    assert rows["1122"].closing_debit == D("69500.00")
    drill = queries.drill_down(db, admin, account_code="1122", period_from="2026-01", period_to="2026-01",
                               customer_id=4)
    assert list(drill["debit"]) == [D("5650.00"), D("-5650.00")]
    inc = by_line(queries.income_statement(db, admin, period="2026-01"))
    assert inc[1].period_amount == D("150000.00")
    aging = queries.aging(db, admin, kind="receivable", as_of_date=dt.date(2026, 1, 31))
    assert 4 not in set(aging["dimension_id"])


def test_statement_line_drill_down_lists_its_accounts(db, company, books):
    keep_january(books)
    admin = actor(company.company_id, {"finance.report.view": "all"})
    cash = queries.statement_line_accounts(db, admin, statement="balance_sheet", period="2026-01", line_no=1)
    assert dict(zip(cash["account_code"], cash["closing_debit"], strict=True)) == {
        "1001": D("7000.00"), "1002": D("471800.00")}
    total = queries.statement_line_accounts(db, admin, statement="balance_sheet", period="2026-01", line_no=15)
    assert {"1001", "1002", "1122", "1405"} <= set(total["account_code"])  # 流动资产合计 follows its lines
    revenue = queries.statement_line_accounts(db, admin, statement="income_statement", period="2026-01",
                                              line_no=1)
    assert list(revenue["account_code"]) == ["5001"]


def test_trial_balance_account_range_and_level(db, company, books):
    keep_january(books)
    admin = actor(company.company_id, {"finance.report.view": "all"})
    tb = queries.trial_balance(db, admin, period_from="2026-01", period_to="2026-01", account_from="1001",
                               account_to="1122", max_level=1)
    assert list(tb["account_code"]) == ["1001", "1002", "1122", ""]
    assert tb.iloc[-1]["closing_debit"] == D("548300.00")  # 7,000 + 471,800 + 69,500
