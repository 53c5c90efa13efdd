"""voucher_rules as pure functions: every problem of a voucher at once, each naming its line and field, and the
amount rule (exact to the fen, finite, in range) the same whatever path an amount takes through parse_amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.finance.voucher_rules import DIM_COLUMNS, AccountInfo, check_lines, parse_amount
from erp_core.kernel.money import MAX_MONEY, has_scale, to_decimal

BANK = AccountInfo(1, "1002", "银行存款", True, "active")
SALES = AccountInfo(2, "5001", "主营业务收入", True, "active")
AR = AccountInfo(3, "1122", "应收账款", True, "active", ("customer",))
PARENT = AccountInfo(4, "2221", "应交税费", False, "active")
FROZEN = AccountInfo(5, "1001", "库存现金", True, "frozen")
BY_ID = {a.id: a for a in (BANK, SALES, AR, PARENT, FROZEN)}
BY_CODE = {a.code: a for a in BY_ID.values()}


def _spec(value: str) -> Decimal | None:
    """The amount rule written plainly: to_decimal's reading, finite, below MAX_MONEY, at most 2 decimals."""
    if not value.strip():
        return Decimal(0)
    try:
        d = to_decimal(value)
    except (ValueError, TypeError):
        return None
    if abs(d) >= MAX_MONEY or not has_scale(d, 2):
        return None
    return d


@pytest.mark.parametrize(("text", "expected"), [
    ("12345.67", "12345.67"), ("", "0"), ("  ", "0"), ("1,234.5", "1234.5"), (" 12 ", "12"), ("1e2", "100"),
    ("-0", "0"), ("1.50", "1.50"), ("1.230", "1.23"), ("1E-2", "0.01"), ("-9999999999999.99", "-9999999999999.99"),
])
def test_amounts_read(text, expected):
    got = parse_amount(text)
    assert got == Decimal(expected)
    assert not (got == 0 and got.is_signed())


@pytest.mark.parametrize("text", ["0.001", "1.005", "NaN", "sNaN", "Infinity", "-inf", "abc", "1.2.3", "1e13",
                                  "10000000000000", "1e30"])
def test_bad_amounts_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_amounts_of_other_types():
    assert parse_amount(None) == 0 and parse_amount(5) == 5 and parse_amount(Decimal("2.10")) == Decimal("2.1")
    with pytest.raises(TypeError):
        parse_amount(1.5)
    with pytest.raises(ValueError):
        parse_amount(Decimal("0.001"))


@settings(deadline=None)
@given(st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A ?-?[0-9]{0,16}(\.[0-9]{0,4})?([eE][-+]?[0-9]{1,2})? ?\Z"),
    st.from_regex(r"\A-?[0-9]{1,3}(,[0-9]{3}){0,4}(\.[0-9]{1,3})?\Z"),
))
def test_parse_amount_follows_the_written_rule(text):
    """Whatever text reaches it (forms, CSV cells, spreadsheet numbers), parse_amount accepts exactly what the
    plain rule accepts and returns the same value."""
    expected = _spec(text)
    try:
        got = parse_amount(text)
    except ValueError:
        got = None
    assert got == expected
    if got is not None:
        assert not (got == 0 and got.is_signed())  # -0 is normalised


def _line(account="1002", debit="", credit="", **extra):
    return {"account_code": account, "summary": "摘要", "debit": debit, "credit": credit, **extra}


def test_a_clean_voucher():
    clean, problems = check_lines([_line("1122", "100.00", customer_id=7), _line("5001", credit="100")],
                                  BY_ID, BY_CODE)
    assert problems == []
    assert [(c.line_no, c.account.code, c.debit, c.credit) for c in clean] == [
        (1, "1122", Decimal("100.00"), 0), (2, "5001", 0, Decimal("100"))]
    assert clean[0].dims == {**dict.fromkeys(DIM_COLUMNS), "customer_id": 7}
    assert clean[1].values() == {"line_no": 2, "summary": "摘要", "account_id": 2, "debit": 0,
                                 "credit": Decimal("100"), **dict.fromkeys(DIM_COLUMNS)}


def test_every_problem_at_once_with_its_line_and_field():
    lines = [
        _line("9999", "1"),                                   # 1 unknown account
        _line("2221", "1"),                                   # 2 not a leaf
        _line("1001", "1"),                                   # 3 frozen
        _line("1002", "1.001"),                               # 4 bad debit
        _line("1002", "1", "1"),                              # 5 both sides
        _line("1122", "1"),                                   # 6 customer required
        _line("1002", "1", department_id="x", project_id="y"),  # 7 two bad dimensions, in column order
        _line("1002", credit="abc", summary="长" * 201),        # 8 bad credit and too long
        {"summary": "x", "debit": "1"},                        # 9 no account
        {"summary": " ", "debit": None, "credit": "  "},       # skipped: an empty row
    ]
    _clean, problems = check_lines(lines, BY_ID, BY_CODE)
    got = [(p.params.get("line"), p.message_id, p.field) for p in problems]
    assert got == [
        (1, "error.finance.line.account_unknown", "field.finance.line.account"),
        (2, "error.finance.line.account_not_leaf", "field.finance.line.account"),
        (3, "error.finance.line.account_frozen", "field.finance.line.account"),
        (4, "error.finance.line.amount_invalid", "field.finance.line.debit"),
        (5, "error.finance.line.one_side", "field.finance.line.debit"),
        (6, "error.finance.line.dim_required", "field.finance.dim.customer"),
        (7, "error.finance.line.dim_invalid", "field.finance.dim.department"),
        (7, "error.finance.line.dim_invalid", "field.finance.dim.project"),
        (8, "error.finance.line.too_long", "field.finance.line.summary"),
        (8, "error.finance.line.amount_invalid", "field.finance.line.credit"),
        (9, "error.finance.line.required", "field.finance.line.account"),
    ]


@pytest.mark.parametrize(("lines", "message"), [
    ([_line("1002", "1")], "error.finance.voucher.min_lines"),
    ([_line("1002", "1"), _line("5001", credit="2")], "error.finance.voucher.unbalanced"),
    ([_line("1002", "-1"), _line("5001", credit="-1")], "error.finance.voucher.zero_total"),
])
def test_voucher_level_problems(lines, message):
    _clean, problems = check_lines(lines, BY_ID, BY_CODE)
    assert [p.message_id for p in problems] == [message]


def test_negative_total_allowed_for_reversals():
    lines = [_line("1002", "-1"), _line("5001", credit="-1")]
    assert check_lines(lines, BY_ID, BY_CODE, allow_negative_total=True)[1] == []


def test_account_id_wins_over_code_and_dimensions_may_be_blank_text():
    clean, problems = check_lines([{"account_id": 1, "account_code": "5001", "debit": "3", "department_id": " "},
                                   {"account_id": "2", "credit": "3", "project_id": "12"}], BY_ID, BY_CODE)
    assert problems == []
    assert [c.account.code for c in clean] == ["1002", "5001"]
    assert clean[0].dims["department_id"] is None and clean[1].dims["project_id"] == 12
