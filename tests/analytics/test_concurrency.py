"""Many users at once (issue #17): reports run side by side with a sync and with posting, never wait on the sync
lock while holding a pooled connection, never exhaust a small pool, and state the moment their figures are as of.

Deadlock detection is a join timeout (generous, never a timing assertion): a thread still alive after it is a
report that waited on something it could never get."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from erp_core.analytics import engine as analytics_engine
from erp_core.analytics import queries
from erp_core.config import Settings
from erp_core.db.engine import Busy, make_engine
from erp_core.db.uow import Database
from erp_core.i18n import render_error
from erp_core.ledger.models import GlLine
from tests.analytics.test_worked_example import keep_january
from tests.support.factories import actor

JOIN_S = 180  # a report still running after this is deadlocked (the slowest report here takes well under 1 s)
YEAR = 2026


def _run_threads(targets, timeout=JOIN_S):
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    alive = [t for t in threads if t.is_alive()]
    assert not alive, f"{len(alive)} of {len(threads)} threads still running after {timeout} s: deadlock"


def _store_cash(db, company_id, watermark):
    """Net of 1002 (bank) in the operational store over the lines up to posting sequence ``watermark``."""
    with db.uow(readonly=True) as uow:
        debit, credit = uow.session.execute(
            select(func.sum(GlLine.debit), func.sum(GlLine.credit)).where(
                GlLine.company_id == company_id, GlLine.account_code == "1002", GlLine.posting_seq <= watermark)).one()
    return D(debit or 0) - D(credit or 0)


def _closing(tb, code):
    row = tb[tb["account_code"] == code]
    return D(row["closing_debit"].iloc[0]) - D(row["closing_credit"].iloc[0]) if len(row) else D(0)


def test_readers_syncer_and_posting_together_agree_with_their_as_of(db, company, books):
    """Eight readers, one syncer and one poster at once: every report balances and its bank total is exactly
    the store's over the lines up to the watermark the report states (its figures and its as-of agree)."""
    keep_january(books)
    reader = actor(company.company_id, {"finance.report.view": "all"})
    eng = analytics_engine.engine_for(db)
    stop = threading.Event()
    results: list[tuple[int, D, D, D]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                tb = queries.trial_balance(db, reader, period_from=f"{YEAR}-01", period_to=f"{YEAR}-12")
                total = tb[tb["is_total"]].iloc[0]
                results.append((tb.attrs["as_of"].watermark, _closing(tb, "1002"),
                                D(total["closing_debit"]), D(total["closing_credit"])))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def sync() -> None:
        try:
            while not stop.is_set():
                eng.sync(company.company_id)
        except BaseException as exc:
            errors.append(exc)

    def post() -> None:
        try:
            for i in range(12):
                amount = D(f"{i + 1}00.{i:02d}")
                books.post(dt.date(YEAR, 2, 1 + i), ("1002", amount, 0, f"p{i}"), ("3001", 0, amount, f"p{i}"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    _run_threads([read] * 8 + [sync, post])
    assert not errors, errors[:3]
    assert results
    for watermark, cash, debit, credit in results:
        assert debit == credit, (watermark, debit, credit)
        assert cash == _store_cash(db, company.company_id, watermark), watermark
    # and once everything is in, a report sees it all
    tb = queries.trial_balance(db, reader, period_from=f"{YEAR}-01", period_to=f"{YEAR}-12")
    with db.engine.connect() as c:
        top = c.execute(text("SELECT max(posting_seq) FROM gl_line WHERE company_id = :c"),
                        {"c": company.company_id}).scalar()
    assert tb.attrs["as_of"].watermark == top
    assert _closing(tb, "1002") == _store_cash(db, company.company_id, top)


def _small_pool_db(db, tmp_path, *, size, overflow=0, timeout=30.0) -> Database:
    url = db.engine.url.render_as_string(hide_password=False)
    return Database(make_engine(url, pool_size=size, max_overflow=overflow, pool_timeout=timeout),
                    Settings(database_url=url, data_dir=Path(tmp_path)))


def test_forty_concurrent_reports_on_a_pool_of_five(db, company, books, tmp_path):
    """40 reports at once on a pool of 5 connections (no overflow) all finish with the right figures. Before,
    each report held its unit of work's connection while it waited for the sync lock, whose holder needed a
    second connection: the pool ran dry and the reports failed with QueuePool's TimeoutError."""
    keep_january(books)
    reader = actor(company.company_id, {"finance.report.view": "all"})
    expected = queries.dashboard(db, reader, year=YEAR)
    small = _small_pool_db(db, tmp_path, size=5, timeout=20.0)
    # something new since the copy of the small-pool database's engine: the first readers must sync
    books.post(dt.date(YEAR, 1, 31), ("1002", "777.77", 0, "late"), ("3001", 0, "777.77", "late"))
    expected_cash = expected["cash"]["balance"].iloc[0] + D("777.77")
    barrier = threading.Barrier(40)
    got: list[dict] = []
    errors: list[BaseException] = []

    def report() -> None:
        try:
            barrier.wait()
            got.append(queries.dashboard(small, reader, year=YEAR))
        except BaseException as exc:
            errors.append(exc)

    try:
        _run_threads([report] * 40)
        assert not errors, errors[:3]
        assert len(got) == 40
        for data in got:
            assert list(data["income_expense"]["income"]) == list(expected["income_expense"]["income"])
            assert list(data["income_expense"]["expense"]) == list(expected["income_expense"]["expense"])
            assert data["cash"]["balance"].iloc[0] in (expected["cash"]["balance"].iloc[0], expected_cash)
            # whatever a report shows agrees with what it says it is as of
            assert data["cash"]["balance"].iloc[0] == (
                expected_cash if data["cash"].attrs["as_of"].watermark > expected["cash"].attrs["as_of"].watermark
                else expected["cash"]["balance"].iloc[0])
        assert queries.dashboard(small, reader, year=YEAR)["cash"]["balance"].iloc[0] == expected_cash
    finally:
        analytics_engine.forget(small, delete=True)
        small.dispose()


def test_pool_exhaustion_is_a_localized_busy_error(db, company, books, tmp_path):
    """Every connection taken for the whole pool timeout: a report and a use case are refused with error.busy
    (rendered in zh and en) instead of SQLAlchemy's TimeoutError; nothing was written."""
    from erp_core.finance.voucher_services import create_voucher

    keep_january(books)
    small = _small_pool_db(db, tmp_path, size=1, timeout=0.2)
    reader = actor(company.company_id, {"finance.report.view": "all"})
    writer = actor(company.company_id, {"finance.voucher.create": "all"})
    held = small.engine.connect()
    try:
        held.execute(text("SELECT 1"))
        with pytest.raises(Busy) as err:
            queries.dashboard(small, reader, year=YEAR)
        assert err.value.message_id == "error.busy"
        assert render_error(err.value, "zh_CN") == "系统繁忙，请稍后再试"
        assert "busy" in render_error(err.value, "en")
        with pytest.raises(Busy):
            create_voucher(small, writer, voucher_date=dt.date(YEAR, 1, 5),
                           lines=[{"account_code": "1001", "debit": "1", "credit": "0"},
                                  {"account_code": "1002", "debit": "0", "credit": "1"}])
    finally:
        held.close()
    # the pool is whole again: the same calls now work
    assert len(queries.dashboard(small, reader, year=YEAR)["cash"]) == 12
    analytics_engine.forget(small, delete=True)
    small.dispose()


def test_a_report_never_waits_for_a_running_sync(db, company, books):
    """While a sync holds the lock, a report neither waits for it nor takes a pooled connection to wait with:
    with nothing new it reads the current copy (as of now); with something new it reads the last synced state
    and says so (its watermark and that sync's time); once the sync is done, the next report has it all."""
    keep_january(books)
    reader = actor(company.company_id, {"finance.report.view": "all"})
    eng = analytics_engine.engine_for(db)
    first = eng.sync(company.company_id)
    out: dict[str, object] = {}

    def report(key):
        def run():
            out[key] = queries.trial_balance(db, reader, period_from=f"{YEAR}-01", period_to=f"{YEAR}-01")
        return run

    assert eng._lock.acquire(timeout=JOIN_S)  # a long sync is running
    try:
        _run_threads([report("fresh")])
        fresh = out["fresh"].attrs["as_of"]
        assert fresh.watermark == first.watermark
        assert fresh.synced_at >= first.synced_at  # nothing new: as of the check, not of the last sync
        books.post(dt.date(YEAR, 1, 30), ("1002", "123.45", 0, "new"), ("3001", 0, "123.45", "new"))
        _run_threads([report("stale")])
        stale = out["stale"].attrs["as_of"]
        assert stale.watermark == first.watermark
        assert stale.synced_at == first.synced_at
        assert _closing(out["stale"], "1002") == _closing(out["fresh"], "1002")
    finally:
        eng._lock.release()
    _run_threads([report("after")])
    after = out["after"].attrs["as_of"]
    assert after.watermark == first.watermark + 2
    assert _closing(out["after"], "1002") == _closing(out["fresh"], "1002") + D("123.45")


def test_two_actors_never_see_each_others_scoped_figures(db, company, books):
    """The report path keeps nothing per process that one actor's scope could leak to another: a department-
    scoped actor and a whole-company actor, alternating, each get their own figures every time."""
    keep_january(books)
    whole = actor(company.company_id, {"finance.report.view": "all"})
    dept = actor(company.company_id, {"finance.report.view": "department"}, department_ids=frozenset({1}))
    none = actor(company.company_id, {"finance.report.view": "department"}, department_ids=frozenset({99}))
    seen = {}
    for _ in range(2):
        for name, who in (("whole", whole), ("dept", dept), ("none", none), ("whole", whole)):
            data = queries.dashboard(db, who, year=YEAR)
            expense = tuple(data["income_expense"]["expense"])
            assert seen.setdefault(name, expense) == expense, name
    jan = {k: v[0] for k, v in seen.items()}
    assert jan["whole"] == D("108200.00")  # 5401 + 5601 + 5602 + 5603, before the carry-forward
    assert jan["dept"] == D("20000.00")  # only department 1's 5602 line
    assert jan["none"] == D("0.00")
