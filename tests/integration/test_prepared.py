"""erp_core.db.prepared: statements run on the driver must read and write exactly what the ORM/Core path does
(exact money, dates, timestamps), inside the session's transaction, and fail the way a normal execute fails."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from erp_core.db.prepared import Prepared
from erp_core.db.types import Money, UtcDateTime

_meta = MetaData()
T = Table("prepared_test", _meta,
          Column("id", Integer, primary_key=True, autoincrement=False),
          Column("amount", Money()),
          Column("day", Date()),
          Column("at", UtcDateTime()),
          Column("status", String(10)))

INSERT = Prepared(insert(T).values(id=bindparam("i"), amount=bindparam("a"), day=bindparam("d"), at=bindparam("t"),
                                   status="new"))
READ = Prepared(select(T.c.amount, T.c.day, T.c.at, T.c.status).where(T.c.id == bindparam("i")))
MARK = Prepared(update(T).where(T.c.id == bindparam("i"), T.c.status == "new").values(status="done"))
MATCHING = Prepared(select(T.c.id).where(T.c.amount == bindparam("a")).order_by(T.c.id))

AMOUNT = Decimal("12345678901234.56")  # beyond float precision: exactness shows
DAY = dt.date(2026, 11, 24)
AT = dt.datetime(2026, 11, 24, 23, 5, 6, 123456)


@pytest.fixture
def table(db):
    _meta.create_all(db.engine)
    yield T
    _meta.drop_all(db.engine)


def test_values_written_on_the_driver_read_back_exactly_through_core(db, table):
    with db.uow() as uow:
        assert INSERT.rowcount(uow.session, i=1, a=AMOUNT, d=DAY, t=AT) == 1
        uow.commit()
    with db.uow(readonly=True) as uow:
        row = uow.session.execute(select(T).where(T.c.id == 1)).one()
    assert (row.amount, row.day, row.at, row.status) == (AMOUNT, DAY, AT, "new")


def test_values_written_by_core_read_back_exactly_on_the_driver(db, table):
    with db.uow() as uow:
        uow.session.execute(insert(T).values(id=2, amount=Decimal("-0.01"), day=DAY, at=AT, status="x"))
        uow.commit()
    with db.uow(readonly=True) as uow:
        amount, day, at, status = READ.one_or_none(uow.session, i=2)
        assert READ.one_or_none(uow.session, i=99) is None
    assert (amount, day, at, status) == (Decimal("-0.01"), DAY, AT, "x")
    assert isinstance(amount, Decimal) and type(day) is dt.date


def test_runs_inside_the_sessions_transaction(db, table):
    with db.uow() as uow:
        INSERT.rowcount(uow.session, i=3, a=Decimal("1.00"), d=DAY, t=AT)
        assert MATCHING.all(uow.session, a=Decimal("1.00")) == [(3,)]  # the session sees its own write
        uow.rollback()
    with db.uow(readonly=True) as uow:
        assert MATCHING.all(uow.session, a=Decimal("1.00")) == []


def test_rowcount_and_literals_compiled_into_the_statement(db, table):
    with db.uow() as uow:
        INSERT.rowcount(uow.session, i=4, a=Decimal("5.00"), d=DAY, t=AT)
        assert MARK.rowcount(uow.session, i=4) == 1
        assert MARK.rowcount(uow.session, i=4) == 0  # status is no longer 'new'
        assert READ.one_or_none(uow.session, i=4)[3] == "done"
        uow.commit()


def test_database_errors_are_wrapped_like_a_normal_execute(db, table):
    with db.uow() as uow:
        INSERT.rowcount(uow.session, i=5, a=Decimal("1.00"), d=DAY, t=AT)
        with pytest.raises(IntegrityError):
            INSERT.rowcount(uow.session, i=5, a=Decimal("2.00"), d=DAY, t=AT)


def test_inexact_money_is_refused_before_it_reaches_the_database(db, table):
    with db.uow() as uow, pytest.raises(ValueError):
        INSERT.rowcount(uow.session, i=6, a=Decimal("1.001"), d=DAY, t=AT)


def test_large_page_cache_is_for_one_bulk_transaction_only(db):
    from erp_core.ledger.bulk import large_page_cache

    with db.uow() as uow:
        conn = uow.session.connection()
        if db.backend != "sqlite":
            with large_page_cache(uow.session):  # a no-op elsewhere
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            return
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with large_page_cache(uow.session, mib=64):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -64 * 1024
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before != -64 * 1024


IN_LIST = Prepared(select(T.c.id, T.c.amount).where(T.c.id.in_(bindparam("ids", expanding=True)),
                                                    T.c.day <= bindparam("d"),
                                                    T.c.status.in_(bindparam("st", expanding=True)))
                   .order_by(T.c.id))


def test_an_expanding_in_is_spelled_out_per_list_length_and_an_empty_list_is_refused(db, table):
    with db.uow() as uow:
        for i in range(1, 6):
            INSERT.rowcount(uow.session, i=i, a=Decimal(i) / 100, d=DAY, t=AT)
        uow.commit()
    with db.uow(readonly=True) as uow:
        s = uow.session
        assert IN_LIST.all(s, ids=[2, 4], d=DAY, st=["new"]) == [(2, Decimal("0.02")), (4, Decimal("0.04"))]
        assert IN_LIST.all(s, ids=[5, 1, 3], d=DAY, st=["x", "new"]) == [
            (1, Decimal("0.01")), (3, Decimal("0.03")), (5, Decimal("0.05"))]
        assert IN_LIST.all(s, ids=[2, 4], d=DAY, st=["new"]) == [(2, Decimal("0.02")), (4, Decimal("0.04"))]
        assert IN_LIST.all(s, ids=[1], d=DAY - dt.timedelta(days=1), st=["new"]) == []
        with pytest.raises(ValueError):
            IN_LIST.all(s, ids=[], d=DAY, st=["new"])
