"""Cell parsers (shared by forms and imports): properties with hypothesis, and the awkward spellings."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erp_core.io import parsers
from erp_core.io.export import to_csv_bytes
from erp_core.io.importer import read_table
from erp_core.io.parsers import CellError
from erp_core.masterdata.partners import normalize_name

money_values = st.decimals(min_value=Decimal("-9999999999.99"), max_value=Decimal("9999999999.99"), places=2,
                           allow_nan=False, allow_infinity=False)


@given(money_values)
def test_money_text_round_trips_exactly(value):
    assert parsers.money(min_value=None)(str(value)) == value
    assert parsers.money(min_value=None)(f"{value:,}") == value  # thousands separators


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=3, allow_nan=False,
                   allow_infinity=False).filter(lambda d: d != d.quantize(Decimal("0.01"))))
def test_more_decimals_than_allowed_are_refused_not_rounded(value):
    with pytest.raises(CellError) as err:
        parsers.money()(str(value))
    assert err.value.message_id == "error.import.decimals"


def test_floats_are_refused():
    with pytest.raises(CellError):
        parsers.money()(0.1)


@given(st.text(max_size=60))
def test_name_normalization_ignores_spacing_and_width(name):
    spaced = " ".join(name)
    assert normalize_name(spaced) == normalize_name(name)
    assert normalize_name(name.upper()) == normalize_name(name.lower()) or not name.isascii()


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20), min_size=1,
                max_size=5).filter(lambda cells: any(c.strip() for c in cells)
                                   and not any(c.startswith("'") for c in cells)))
def test_csv_export_then_read_gives_the_same_text(cells):
    """Formula payloads come back as typed (export adds the apostrophe, import removes it). A cell that itself
    begins with an apostrophe is the documented exception."""
    data = to_csv_bytes([f"h{i}" for i in range(len(cells))], [cells])
    table = read_table(data, "x.csv")
    assert [("" if v is None else v) for v in table.rows[0]] == cells


@pytest.mark.parametrize("raw", ["2026-03-01", "2026/3/1", "2026.3.1", "2026年3月1日", "20260301",
                                 "２０２６－０３－０１", "2026-03-01 00:00:00", dt.datetime(2026, 3, 1)])
def test_date_spellings(raw):
    assert parsers.date()(raw) == dt.date(2026, 3, 1)


@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), ("TRUE", True), ("0", False), ("√", True)])
def test_booleans(raw, expected):
    assert parsers.boolean()(raw) is expected


def test_codes_fold_full_width_and_refuse_spaces():
    assert parsers.code()("ＡＢ－１２") == "AB-12"
    with pytest.raises(CellError):
        parsers.code()("A B")


def test_read_table_pads_short_rows_and_keeps_long_ones():
    """Every data row is at least as wide as the header (a cell never missing from the right); a row with
    cells past the header keeps them, and trailing blank rows are dropped."""
    table = read_table(b"a,b,c\n1\n1,2,3,4\n,,\n", "x.csv")
    assert table.headers == ["a", "b", "c"]
    assert table.rows == [["1", None, None], ["1", "2", "3", "4"]]
