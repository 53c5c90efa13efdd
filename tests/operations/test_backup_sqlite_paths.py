"""How a SQLite backup is taken (issue #16 item 9's speed targets): the live file read directly under a read
transaction (no copy) or, when a reader keeps the log busy, a copy by the online backup API; incrementals that
compare blocks with the previous backup and store only what changed, in one pack per backup; the ledger
figures carried from the previous backup plus the rows added since — and each restores to the same database."""

from __future__ import annotations

import sqlite3

import pytest

from erp_core.operations import backup as bk
from erp_core.operations import figures, snapshot
from erp_core.operations import restore as rs
from tests.operations.conftest import populate, table_rows, url_of


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("the SQLite snapshot paths (PostgreSQL and MariaDB back up with their dump tools)")


def _append_ledger_lines(path, n: int) -> None:
    """n more ledger lines, copies of the newest ones with new ids and posting numbers (as bench_backup.py)."""
    con = sqlite3.connect(path)
    try:
        max_id = con.execute("SELECT MAX(id) FROM gl_line").fetchone()[0]
        cols = [r[1] for r in con.execute("PRAGMA table_info(gl_line)")]
        select = ", ".join(f"id + {n}" if c == "id" else f"posting_seq + {n}" if c == "posting_seq" else c
                           for c in cols)
        con.execute(f"INSERT INTO gl_line ({', '.join(cols)}) SELECT {select} FROM gl_line WHERE id > {max_id - n}")
        con.commit()
    finally:
        con.close()


def test_full_reads_the_live_file_and_an_incremental_stores_only_changed_blocks(sqlite_only, ops_db, opts,
                                                                                target_url, demo_year):
    # ops_db holds the demo company's year (a copy of the session's, see tests/conftest.py demo_year)
    path = snapshot.sqlite_path(url_of(ops_db))
    full = bk.make_backup(ops_db, kind="full", opts=opts)
    assert full["snapshot"] == "direct", "the live file is read under a read transaction, not copied first"
    assert not list(opts.root.rglob("db.sqlite")), "no copy of the database was made"
    packs = sorted(p.name for p in (opts.root / "chains" / full["chain"] / "packs").iterdir())
    assert packs == [f"{full['id']}.idx", f"{full['id']}.pack"], "one pack (and its index) per backup"

    _append_ledger_lines(path, 40)
    inc = bk.make_backup(ops_db, kind="incremental", opts=opts)
    db_chunks = len(inc["parts"]["database"]["chunks"])
    new = [c for c in inc["parts"]["database"]["chunks"] if c not in set(full["parts"]["database"]["chunks"])]
    assert 0 < len(new) < db_chunks / 4, (len(new), db_chunks)
    assert inc["stored"] < full["stored"] / 4
    assert inc["figures"]["row_counts"]["gl_line"] == full["figures"]["row_counts"]["gl_line"] + 40
    url = target_url()
    rs.restore(opts, full["id"], url)
    assert rs.check_restored(url, full) == []  # figures and erp check
    url = target_url()
    rs.restore(opts, inc["id"], url)
    # (the copied ledger lines have no vouchers behind them, so erp check would object to them: the figures
    # carried from the full plus the new lines are compared with the restored database's, summed whole)
    assert figures.compare(inc["figures"], rs.figures_of(url)) == []
    assert table_rows(url) == table_rows(url_of(ops_db))


def test_a_busy_log_makes_the_backup_copy_first_and_it_restores_the_same(sqlite_only, ops_db, opts, target_url,
                                                                         monkeypatch):
    populate(ops_db)
    path = snapshot.sqlite_path(url_of(ops_db))
    monkeypatch.setattr(snapshot, "CHECKPOINT_WAIT_MS", 50)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        _touch(path)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM company").fetchone()  # a reader on the log: no TRUNCATE checkpoint
        _touch(path)  # and a commit after it, so the log cannot be emptied
        manifest = bk.make_backup(ops_db, kind="full", opts=opts)
    finally:
        reader.close()
    assert manifest["snapshot"] == "copy"
    url = target_url()
    rs.restore(opts, manifest["id"], url)
    assert rs.check_restored(url, manifest) == []
    assert table_rows(url) == table_rows(url_of(ops_db))


def _touch(path) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("INSERT INTO ops_setting (key, value) VALUES ('test.touch', 'x') "
                    "ON CONFLICT(key) DO UPDATE SET value = value || 'x'")
        con.commit()
    finally:
        con.close()


def test_ledger_figures_are_the_previous_backups_plus_the_new_rows_only_for_the_same_history(sqlite_only,
                                                                                            ops_db, demo_year):
    # ops_db holds the demo company's year (a copy of the session's, see tests/conftest.py demo_year)
    path = snapshot.sqlite_path(url_of(ops_db))
    con = sqlite3.connect(path)
    try:
        whole, marks = figures.collect_sqlite(con)
        assert whole["trial_balance"] and marks["gl_line"][0] > 0
        _append_ledger_lines(path, 30)
        now_whole, now_marks = figures.collect_sqlite(con)
        assert now_marks["gl_line"][0] == marks["gl_line"][0] + 30
        assert now_whole["trial_balance"] != whole["trial_balance"]
        # carried: the base plus the 30 new lines gives exactly the whole sum (ids as numbers, codes as text)
        carried, _ = figures.collect_sqlite(con, {"figures": whole, "marks": marks})
        assert carried == now_whole
        # the delta path is really taken: a (deliberately wrong) base shows through when the history matches...
        wrong = {**whole, "trial_balance": [[*r[:2], str(int(r[2]) + 1), r[3]] for r in whole["trial_balance"]]}
        shifted, _ = figures.collect_sqlite(con, {"figures": wrong, "marks": marks})
        assert shifted["trial_balance"] != now_whole["trial_balance"]
        # ...and is ignored when the newest row the base saw is not the same row any more (another database,
        # or a restored older one): then the whole ledger is summed
        other = {"gl_line": [marks["gl_line"][0], "0" * 64], "stock_move": marks.get("stock_move", [0, ""])}
        recomputed, _ = figures.collect_sqlite(con, {"figures": wrong, "marks": other})
        assert recomputed["trial_balance"] == now_whole["trial_balance"]
    finally:
        con.close()
    # and the SQLAlchemy figures of a restore (figures.collect) are the same lists
    assert {k: v for k, v in rs.figures_of(url_of(ops_db)).items()} == now_whole


def test_whole_ledger_figures_read_the_covering_indexes_without_a_sort_and_equal_the_group_by(sqlite_only, ops_db,
                                                                                               demo_year):
    """A first backup (no base) sums each ledger over its covering index (migration 0037), in index order: the
    plan has no temporary b-tree and no table look-up; the result equals the plain GROUP BY a restore
    verification runs, and a database without those indexes (a backup before an upgrade migrates) gets the
    GROUP BY."""
    path = snapshot.sqlite_path(url_of(ops_db))
    con = sqlite3.connect(path)
    try:
        for _index, sql in figures.WHOLE_BY_INDEX.values():
            plan = " ".join(str(r[-1]) for r in con.execute("EXPLAIN QUERY PLAN " + sql))
            assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan
        by_index, _ = figures.collect_sqlite(con)
        assert by_index["trial_balance"] and by_index["stock_on_hand"], "the demo year has both ledgers"
        plain = {key: [[str(v) for v in r] for r in con.execute(sql.format(where=""))]
                 for key, (_t, sql, _types) in figures.APPEND_ONLY.items()}
        assert {k: by_index[k] for k in plain} == plain
        con.execute("DROP INDEX ix_gl_line_account_balance")
        con.execute("DROP INDEX ix_stock_move_balance")
        without, _ = figures.collect_sqlite(con)
        assert without == by_index
    finally:
        con.rollback()
        con.close()


def test_ledger_row_counts_are_carried_too(sqlite_only, ops_db, demo_year):
    path = snapshot.sqlite_path(url_of(ops_db))
    con = sqlite3.connect(path)
    try:
        base, marks = figures.collect_sqlite(con)
        _append_ledger_lines(path, 7)
        whole, _ = figures.collect_sqlite(con)
        assert whole["row_counts"]["gl_line"] == base["row_counts"]["gl_line"] + 7
        assert figures.collect_sqlite(con, {"figures": base, "marks": marks})[0] == whole
        # the carried path is really taken: a wrong base count shows through while the history matches
        wrong = {**base, "row_counts": {**base["row_counts"], "gl_line": base["row_counts"]["gl_line"] - 1}}
        carried, _ = figures.collect_sqlite(con, {"figures": wrong, "marks": marks})
        assert carried["row_counts"]["gl_line"] == whole["row_counts"]["gl_line"] - 1
        # (a restore verification counts every row again and would report it: figures.compare)
        assert figures.compare(carried, whole) == [f"rows gl_line: {whole['row_counts']['gl_line'] - 1} != "
                                                   f"{whole['row_counts']['gl_line']}"]
    finally:
        con.close()


def test_an_incremental_compares_in_two_ranges_and_gives_the_same_part(tmp_path):
    """chunks.store_file (the incremental's two threads over two halves of the file) gives exactly the part a
    single stream gives: ids in file order, changed blocks stored, unchanged ones not even hashed."""
    import os

    from erp_core.operations import chunks

    block = 4096
    data = bytearray(os.urandom(block * 37 + 1000))  # a short last block
    path = tmp_path / "f.db"
    path.write_bytes(data)
    store = chunks.ChunkStore(tmp_path / "chain", None, 0, pack="one")
    first = chunks.store_stream(store, chunks.blocks(path, block), level=0)
    store.flush()
    data[block * 3 + 5] ^= 1
    data[block * 30] ^= 1
    data += os.urandom(block)  # grown by a block
    path.write_bytes(data)
    store2 = chunks.ChunkStore(tmp_path / "chain", None, 0, pack="two")
    part = chunks.store_file(store2, path, len(data), first["chunks"], level=0, block=block)
    store2.flush()
    single = chunks.store_stream(chunks.ChunkStore(tmp_path / "chain", None, 0, pack="three"),
                                 chunks.blocks(path, block), level=0)
    assert part == single
    changed = [i for i, (a, b) in enumerate(zip(first["chunks"], part["chunks"], strict=False)) if a != b]
    assert changed == [3, 30, 37]  # the two flipped bits and the short last block, now whole
    assert b"".join(chunks.read_stream(store2, part, "two")) == bytes(data)
    assert len(part["chunks"]) == 39
    assert store2.written == 3 * (block + 1) + (1000 + 1)  # blocks 3, 30, 37 whole and the new short 38, raw
