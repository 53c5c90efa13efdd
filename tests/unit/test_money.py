"""Money helpers: Decimal only, floats refused, rounding explicit and half-up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.kernel.money import FEN, MAX_MONEY, has_scale, round_money, to_decimal


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1.23"), Decimal("1.23")), (5, Decimal(5)), ("1,234.50", Decimal("1234.50")),
    (" 12.5 ", Decimal("12.5")), ("-0.01", Decimal("-0.01")), ("1e3", Decimal("1000")),
])
def test_to_decimal_accepts_exact_input(value, expected):
    got = to_decimal(value)
    assert isinstance(got, Decimal) and got == expected


@pytest.mark.parametrize("value", [0.1, 1.0, float("inf"), True, False])
def test_to_decimal_refuses_floats_and_booleans(value):
    with pytest.raises(TypeError):
        to_decimal(value)


@pytest.mark.parametrize("value", ["", "abc", "1.2.3", "NaN", "Infinity", "-inf"])
def test_to_decimal_refuses_text_that_is_not_a_finite_number(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_to_decimal_refuses_other_types():
    with pytest.raises(TypeError):
        to_decimal(None)
    with pytest.raises(TypeError):
        to_decimal([1])


@pytest.mark.parametrize(("value", "expected"), [
    ("0.005", "0.01"), ("0.004", "0.00"), ("-0.005", "-0.01"), ("2.675", "2.68"), ("1.125", "1.13"),
    ("10", "10.00"), (3, "3.00"), ("99999999999.995", "100000000000.00"),
])
def test_round_money_is_half_up_to_the_fen(value, expected):
    got = round_money(value)
    assert str(got) == expected and got.as_tuple().exponent == -2


def test_round_money_refuses_float():
    with pytest.raises(TypeError):
        round_money(2.675)  # type: ignore[arg-type]


def test_has_scale():
    assert has_scale(Decimal("1.20"), 2) and has_scale(Decimal("1.2"), 2) and has_scale(Decimal("100"), 0)
    assert has_scale(Decimal("1E+2"), 2)
    assert not has_scale(Decimal("1.001"), 2) and not has_scale(Decimal("0.0000001"), 6)


def test_constants():
    assert FEN == Decimal("0.01")
    assert MAX_MONEY * 100 == 10**15  # the largest amount, in fen, fits a 64-bit integer easily
    assert MAX_MONEY * 100 < 2**63


@settings(deadline=None)  # shared CI machines: no timing assertions
@given(st.integers(-(10**15), 10**15))
def test_fen_amounts_are_unchanged_by_rounding(fen):
    amount = Decimal(fen).scaleb(-2)
    assert round_money(amount) == amount and has_scale(amount, 2)


@settings(deadline=None)  # shared CI machines: no timing assertions
@given(st.integers(-(10**12), 10**12))
def test_rounding_matches_integer_half_up(units_milli):
    """round_money(x) equals rounding the value in tenths of a fen by hand, half away from zero."""
    value = Decimal(units_milli).scaleb(-3)  # three decimals
    sign = -1 if units_milli < 0 else 1
    fen = (abs(units_milli) + 5) // 10 * sign
    assert round_money(value) == Decimal(fen).scaleb(-2)


@pytest.mark.parametrize("value", ["1e30", "123456789012345678901234567.5", "-1E+40"])
def test_absurdly_large_values_are_a_value_error_not_a_crash(value):
    """A user can type 1e30 into an amount field or a spreadsheet cell: that is bad input (ValueError, which
    validators turn into a message), never decimal.InvalidOperation escaping as an internal error."""
    with pytest.raises(ValueError):
        round_money(value)
    assert has_scale(Decimal(value), 2) is True  # none of them has more than 2 decimals


@settings(deadline=None)  # shared CI machines: no timing assertions
@given(st.decimals(allow_nan=False, allow_infinity=False), st.integers(0, 8))
def test_has_scale_is_exact_for_any_decimal(value, scale):
    """has_scale never rounds and never raises, whatever the magnitude."""
    sign, digits, exp = value.as_tuple()
    significant = list(digits)
    while exp < 0 and len(significant) > 1 and significant[-1] == 0:
        significant.pop()
        exp += 1
    expected = exp >= -scale or all(d == 0 for d in significant)
    assert has_scale(value, scale) is expected
