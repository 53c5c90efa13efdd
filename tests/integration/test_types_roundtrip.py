"""Money is exact (DESIGN.md rule 5): Money() and Quantity() round-trip exactly through every backend, floats
and values with too many decimals are refused (never silently rounded), and timestamps keep microseconds."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from erp_core.db.types import Money, Quantity, UtcDateTime

_meta = MetaData()
EXACT = Table(
    "types_test_exact", _meta,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("amount", Money()),
    Column("qty", Quantity()),
    Column("at", UtcDateTime()),
)
# The same table seen through its storage types: what DuckDB and reports read.
RAW = Table(
    "types_test_exact", MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("amount", BigInteger),
    Column("qty", BigInteger),
)

MAX_FEN = 10**15
MAX_MILLIONTHS = 10**18  # a trillion units with 6 decimals, inside a signed 64-bit integer

money = st.integers(-MAX_FEN, MAX_FEN).map(lambda n: Decimal(n).scaleb(-2))
quantity = st.integers(-MAX_MILLIONTHS, MAX_MILLIONTHS).map(lambda n: Decimal(n).scaleb(-6))
timestamps = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1))
_ids = itertools.count(1)
PROPERTY = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def engine(empty_db_url):
    """An engine made by erp_core's factory over an empty database: these tests need no schema."""
    from erp_core.db.engine import make_engine

    eng = make_engine(empty_db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def table(engine):
    _meta.create_all(engine)
    yield EXACT
    _meta.drop_all(engine)


@PROPERTY
@given(amount=money, qty=quantity, at=timestamps)
def test_exact_round_trip(engine, table, amount, qty, at):
    row_id = next(_ids)  # the table lives for all examples of one backend
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=row_id, amount=amount, qty=qty, at=at))
    with engine.connect() as conn:
        got = conn.execute(select(table.c.amount, table.c.qty, table.c.at).where(table.c.id == row_id)).one()
        raw = conn.execute(select(RAW.c.amount, RAW.c.qty).where(RAW.c.id == row_id)).one()
    assert got.amount == amount and isinstance(got.amount, Decimal)
    assert got.qty == qty and isinstance(got.qty, Decimal)
    assert got.at == at  # microseconds included (MariaDB needs DATETIME(6))
    assert (raw.amount, raw.qty) == (int(amount * 100), int(qty * 10**6))


def test_extremes_and_spellings(engine, table):
    cases = [
        (Decimal("9999999999999.99"), Decimal("9223372036854.775807")),
        (Decimal("-9999999999999.99"), Decimal("-9223372036854.775807")),
        (Decimal("0.01"), Decimal("0.000001")),
        (Decimal("-0.00"), Decimal("1E+3")),
        ("1,234.50", "12.5000"),  # text input as a form sends it
        (7, 3),
        (None, None),
    ]
    with engine.begin() as conn:
        for i, (amount, qty) in enumerate(cases, start=1):
            conn.execute(insert(table).values(id=i, amount=amount, qty=qty))
    with engine.connect() as conn:
        got = conn.execute(select(table.c.amount, table.c.qty).order_by(table.c.id)).all()
    expected = [(None if a is None else Decimal(str(a).replace(",", "")), None if q is None else Decimal(str(q)))
                for a, q in cases]
    assert [tuple(r) for r in got] == expected
    assert str(got[4].amount) == "1234.50" and str(got[2].qty) == "0.000001"


REFUSED = [
    ("amount", 0.1), ("qty", 1.5), ("amount", float("nan")),  # floats are never exact
    ("amount", Decimal("0.001")), ("amount", "12.345"), ("qty", Decimal("0.0000001")),  # too many decimals
    ("amount", Decimal(10) ** 17), ("qty", Decimal(10) ** 13),  # beyond 64-bit storage
    ("amount", Decimal("1e30")), ("amount", "123456789012345678901234567.5"),  # beyond Decimal's precision
    ("amount", "abc"), ("amount", "NaN"), ("amount", "Infinity"), ("amount", True),
]


def test_inexact_or_out_of_range_input_is_refused_and_nothing_written(engine, table):
    for column, value in REFUSED:
        with pytest.raises(StatementError) as err, engine.begin() as conn:
            conn.execute(insert(table).values(id=1, **{column: value}))
        assert isinstance(err.value.orig, (TypeError, ValueError)), (column, value)
    with engine.connect() as conn:
        assert conn.execute(select(table.c.id)).all() == []


@PROPERTY
@given(at=timestamps, offset_minutes=st.integers(-14 * 60, 14 * 60))
def test_aware_timestamps_are_stored_as_the_same_utc_instant(engine, table, at, offset_minutes):
    """A timezone-aware value (any offset) is stored as naive UTC on every backend, whatever the server's or
    the session's time zone setting is."""
    aware = at.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))
    row_id = next(_ids)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'Asia/Shanghai'")
        elif engine.dialect.name in ("mysql", "mariadb"):
            conn.exec_driver_sql("SET time_zone = '+08:00'")
        conn.execute(insert(table).values(id=row_id, at=aware))
    with engine.connect() as conn:
        got = conn.execute(select(table.c.at).where(table.c.id == row_id)).scalar_one()
    assert got.tzinfo is None
    assert got == aware.astimezone(dt.UTC).replace(tzinfo=None)


def test_sums_stay_exact_decimals(engine, table):
    """Balances are sums of postings: SUM over Money() comes back as an exact Decimal in yuan on every backend."""
    from sqlalchemy import func

    amounts = [Decimal("0.10"), Decimal("0.20"), Decimal("-0.05"), Decimal("9999999999.99"), Decimal("0.01")]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "amount": a, "qty": a} for i, a in enumerate(amounts, 1)])
    with engine.connect() as conn:
        total = conn.execute(select(func.sum(table.c.amount))).scalar_one()
        none = conn.execute(select(func.sum(table.c.amount)).where(table.c.id < 0)).scalar_one()
        bigger = conn.execute(select(func.count()).where(table.c.amount > Decimal("0.15"))).scalar_one()
    assert total == sum(amounts) and isinstance(total, Decimal)
    assert none is None
    assert bigger == 2
