"""The ledger copy in DuckDB: complete, never double-counted, offline, read-only."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from sqlalchemy import func, insert, select

from erp_core.analytics.engine import AnalyticsEngine, attach_string, engine_for
from erp_core.ledger.models import GlLine


def _operational_totals(db, company_id):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(GlLine.account_code, func.count(), func.sum(GlLine.debit),
                                          func.sum(GlLine.credit)).where(GlLine.company_id == company_id)
                                   .group_by(GlLine.account_code)).all()
    # sum() keeps the Money column type: Decimal yuan; the copy holds integer fen
    return {code: (int(n), int(D(d) * 100), int(D(c) * 100)) for code, n, d, c in rows}


def _copy_totals(eng, company_id):
    cur = eng.cursor()
    try:
        rows = cur.execute("SELECT account_code, count(*), sum(debit), sum(credit) FROM gl WHERE company_id = ? "
                           "GROUP BY account_code", [company_id]).fetchall()
        n, distinct = cur.execute("SELECT count(*), count(DISTINCT posting_seq) FROM gl WHERE company_id = ?",
                                  [company_id]).fetchone()
    finally:
        cur.close()
    assert n == distinct
    return {code: (int(c), int(d), int(k)) for code, c, d, k in rows}


def test_no_line_missed_or_double_counted_under_concurrent_posting(db, company, books):
    eng = engine_for(db)
    posters, per_poster = 4, 12
    errors: list[BaseException] = []
    done = threading.Event()
    syncs = []

    def post(worker: int) -> None:
        try:
            for i in range(per_poster):
                amount = D(f"{worker * 100 + i + 1}.{worker:02d}")
                books.post(dt.date(2026, 1, 1 + (i % 28)), ("1002", amount, 0, f"w{worker}"),
                           ("3001", 0, amount, f"w{worker}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def sync() -> None:
        while not done.is_set():
            syncs.append(eng.sync(company.company_id).watermark)

    threads = [threading.Thread(target=post, args=(w,)) for w in range(posters)]
    syncer = threading.Thread(target=sync)
    syncer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    syncer.join()
    assert not errors, errors
    assert syncs == sorted(syncs)  # the watermark only moves forward
    as_of = eng.sync(company.company_id)
    assert as_of.watermark == posters * per_poster * 2
    ops = _operational_totals(db, company.company_id)
    assert _copy_totals(eng, company.company_id) == ops
    assert sum(n for n, _, _ in ops.values()) == posters * per_poster * 2


def test_a_hole_in_the_sequence_keeps_only_the_contiguous_prefix(db, company, books):
    books.post(dt.date(2026, 1, 5), ("1002", "10", 0), ("3001", 0, "10"))
    eng = engine_for(db)
    assert eng.sync(company.company_id).watermark == 2
    with db.engine.begin() as c:  # a line numbered past a hole (never written by posting; simulated here)
        row = dict(c.execute(select(GlLine.__table__).where(GlLine.posting_seq == 2)).mappings().one())
        row.pop("id")
        c.execute(insert(GlLine.__table__), [{**row, "posting_seq": 4, "line_no": 9}])
    assert eng.sync(company.company_id).watermark == 2
    with db.engine.begin() as c:
        c.execute(insert(GlLine.__table__), [{**row, "posting_seq": 3, "line_no": 8}])
    assert eng.sync(company.company_id).watermark == 4
    assert _copy_totals(eng, company.company_id) == _operational_totals(db, company.company_id)


def test_a_copy_ahead_of_the_store_is_rebuilt(db, company, books, tmp_path):
    books.post(dt.date(2026, 1, 5), ("1002", "10", 0), ("3001", 0, "10"))
    eng = AnalyticsEngine(db, tmp_path / "a.duckdb")
    try:
        eng.sync(company.company_id)
        cur = eng.cursor()
        cur.execute("INSERT INTO gl SELECT * REPLACE (posting_seq + 100 AS posting_seq) FROM gl")
        cur.execute("UPDATE sync_state SET watermark = 999")
        cur.close()
        assert eng.sync(company.company_id).watermark == 2
        assert _copy_totals(eng, company.company_id) == _operational_totals(db, company.company_id)
    finally:
        eng.close()


def test_engine_is_offline_and_read_only(db, company, books, tmp_path):
    books.post(dt.date(2026, 1, 5), ("1002", "10", 0), ("3001", 0, "10"))
    eng = AnalyticsEngine(db, tmp_path / "b.duckdb")
    try:
        cur = eng.cursor()
        assert cur.execute("SELECT current_setting('autoinstall_known_extensions'), "
                           "current_setting('autoload_known_extensions')").fetchone() == (False, False)
        if eng.attached:  # server databases are attached read-only; SQLite is read through SQLAlchemy
            with pytest.raises(Exception, match="(?i)read.only"):
                cur.execute("DELETE FROM op.gl_line")
        cur.close()
    finally:
        eng.close()


def test_attach_strings():
    assert attach_string("sqlite:////tmp/x/erp.db", "sqlite") == "/tmp/x/erp.db"
    assert attach_string("postgresql+psycopg://postgres:p%40ss@127.0.0.1:5432/erp", "postgresql") == \
        "host=127.0.0.1 user=postgres port=5432 password=p@ss dbname=erp"
    assert attach_string("mysql+pymysql://root@127.0.0.1:3306/erp?charset=utf8mb4", "mariadb") == \
        "host=127.0.0.1 user=root port=3306 database=erp"


def test_a_second_process_falls_back_to_memory(db, company, books, tmp_path):
    """Several app processes on one server database: the DuckDB file is locked by the first; the others keep a
    private in-memory copy and still answer correctly."""
    import subprocess
    import sys

    books.post(dt.date(2026, 1, 5), ("1002", "10", 0), ("3001", 0, "10"))
    path = tmp_path / "shared.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        eng = AnalyticsEngine(db, path)
        try:
            assert eng.path == ":memory:"
            assert eng.sync(company.company_id).watermark == 2
        finally:
            eng.close()
    finally:
        holder.kill()
        holder.wait()


def test_large_sqlite_batches_go_through_a_child_process(db, company, books, monkeypatch, tmp_path):
    from erp_core.analytics import engine as analytics_engine

    monkeypatch.setattr(analytics_engine, "BULK_LINES", 3)
    for day in (3, 4, 5):
        books.post(dt.date(2026, 1, day), ("1002", "10.01", 0), ("3001", 0, "10.01"))
    eng = AnalyticsEngine(db, tmp_path / "bulk.duckdb")
    try:
        assert eng.sync(company.company_id).watermark == 6
        assert _copy_totals(eng, company.company_id) == _operational_totals(db, company.company_id)
        cur = eng.cursor()
        assert cur.execute("SELECT count(*) FROM gl_voucher").fetchone()[0] == 3
        assert cur.execute("SELECT min(posting_date) FROM gl").fetchone()[0] == dt.date(2026, 1, 3)
        cur.close()
        assert list(_parquet_leftovers(tmp_path)) == []
    finally:
        eng.close()


def _parquet_leftovers(folder):
    return folder.glob("*.parquet")


def test_erp_check_compares_the_copy_with_the_store(db, company, books):
    from erp_core.analytics.invariants import analytics_copy

    books.post(dt.date(2026, 1, 5), ("1002", "10", 0), ("3001", 0, "10"))
    assert analytics_copy(db) == []
    eng = engine_for(db)
    cur = eng.cursor()
    cur.execute("INSERT INTO gl SELECT * REPLACE (debit + 1 AS debit) FROM gl LIMIT 1")
    cur.close()
    problems = analytics_copy(db)
    assert [p.message_id for p in problems] == ["check.problem.analytics.copy", "check.problem.analytics.months"]


def test_a_copy_of_another_store_is_rebuilt_even_when_the_store_has_grown_past_it(db, company, books, tmp_path):
    """The copy was made from another database at the same place (a restore from a backup, a new file), and the
    store now holds more lines than the copy's watermark: the line at the watermark is not the one the copy
    recorded, so the copy is rebuilt rather than extended (its first lines would be the other store's)."""
    books.post(dt.date(2026, 1, 5), ("1002", "10", 0), ("3001", 0, "10"))
    eng = AnalyticsEngine(db, tmp_path / "a.duckdb")
    try:
        assert eng.sync(company.company_id).watermark == 2
        cur = eng.cursor()  # what the other store's copy held: other amounts, another posting time
        cur.execute("UPDATE gl SET debit = debit * 7, credit = credit * 7")
        cur.execute("UPDATE sync_state SET fingerprint = '(1, 1, 1, 7000, 0, ''2020-01-01 00:00:00'')'")
        cur.close()
        books.post(dt.date(2026, 1, 6), ("1002", "5", 0), ("3001", 0, "5"))
        assert eng.sync(company.company_id).watermark == 4
        assert _copy_totals(eng, company.company_id) == _operational_totals(db, company.company_id)
        # the same store again: its line at the watermark matches, so the copy is kept (a rebuild would undo this)
        cur = eng.cursor()
        cur.execute("UPDATE gl SET summary = 'kept' WHERE posting_seq = 1")
        assert eng.sync(company.company_id).watermark == 4
        assert cur.execute("SELECT summary FROM gl WHERE posting_seq = 1").fetchone() == ("kept",)
        cur.close()
    finally:
        eng.close()
