"""The figures a backup records and a restore must reproduce: row counts of every table, the trial balance
(debit and credit per company and account) and stock on hand (quantity and value per company, warehouse and
product). Money and quantities are compared as the stored integers (fen; millionths): exact."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

# Tables whose rows change on their own while the app runs (logins, sessions, the scheduler's own bookkeeping):
# counted, but a restore is not expected to reproduce them exactly on a live source.
VOLATILE = ("alembic_version",)


def _rows(conn: Connection, sql: str) -> list[list[str]]:
    return [[str(v) for v in row] for row in conn.execute(text(sql))]


def collect(conn: Connection) -> dict:
    """Figures of the database behind ``conn`` (in whatever snapshot its transaction sees)."""
    names = sorted(n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_"))
    counts = {n: int(conn.execute(text(f'SELECT COUNT(*) FROM {_quote(conn, n)}')).scalar_one()) for n in names}
    figures: dict = {"row_counts": counts}
    if "gl_line" in names:
        figures["trial_balance"] = _rows(conn, (
            "SELECT company_id, account_code, SUM(debit), SUM(credit) FROM gl_line "
            "GROUP BY company_id, account_code ORDER BY company_id, account_code"))
    if "stock_move" in names:
        figures["stock_on_hand"] = _rows(conn, (
            "SELECT company_id, warehouse_id, product_id, SUM(quantity), SUM(amount) FROM stock_move "
            "GROUP BY company_id, warehouse_id, product_id ORDER BY company_id, warehouse_id, product_id"))
    return figures


# Ledgers that are append-only by trigger (no UPDATE, no DELETE: migrations 0002/0006), so what a later backup
# sees is what an earlier one saw plus rows with higher ids (SQLite gives a new row the highest id + 1).
APPEND_ONLY = {
    "trial_balance": ("gl_line", "SELECT company_id, account_code, SUM(debit), SUM(credit) FROM gl_line{where} "
                                 "GROUP BY company_id, account_code ORDER BY company_id, account_code", (int, str)),
    "stock_on_hand": ("stock_move", "SELECT company_id, warehouse_id, product_id, SUM(quantity), SUM(amount) "
                                    "FROM stock_move{where} GROUP BY company_id, warehouse_id, product_id "
                                    "ORDER BY company_id, warehouse_id, product_id", (int, int, int)),
}

# The same sums over the whole ledger, read from the covering indexes of migration 0037 in their own order: no
# table look-up and no sort (the GROUP BY above sorts every line in a temporary b-tree: 3.5-4.5 s at 1 M lines,
# most of a first backup; the index scan ~0.3-0.8 s). The trial balance's groups are finer here (per period
# too, and per account id): :func:`_added` adds them up into the figure's keys. Used when the index exists (a
# backup taken by `erp upgrade` before migrating sees the older schema: then the GROUP BY above).
WHOLE_BY_INDEX = {
    "trial_balance": ("ix_gl_line_account_balance",
                      "SELECT company_id, account_code, SUM(debit), SUM(credit) FROM gl_line "
                      "INDEXED BY ix_gl_line_account_balance GROUP BY company_id, account_id, period, account_code"),
    "stock_on_hand": ("ix_stock_move_balance",
                      "SELECT company_id, warehouse_id, product_id, SUM(quantity), SUM(amount) FROM stock_move "
                      "INDEXED BY ix_stock_move_balance GROUP BY company_id, warehouse_id, product_id"),
}


def _mark(con, table: str) -> list:
    """The newest row of an append-only ledger: [id, sha256 of the whole row] (the fingerprint says that a
    later database still holds the same row under that id: the same history, not a restored older one)."""
    import hashlib

    row = con.execute(f"SELECT * FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return [0, ""]
    return [row[0], hashlib.sha256(repr(tuple(row)).encode()).hexdigest()]


def _same_history(con, table: str, mark: list) -> bool:
    import hashlib

    if not mark or not mark[0]:
        return bool(mark)
    row = con.execute(f"SELECT * FROM {table} WHERE id = ?", (mark[0],)).fetchone()
    return row is not None and hashlib.sha256(repr(tuple(row)).encode()).hexdigest() == mark[1]


def collect_sqlite(con, base: dict | None = None) -> tuple[dict, dict]:
    """:func:`collect` on a DBAPI sqlite3 connection (inside the backup's read transaction): (figures, marks).

    With ``base`` (the figures and marks of an earlier backup of this database), the trial balance, stock
    on hand and the two ledgers' row counts are that backup's plus the ledger rows added since (ids above its
    mark) instead of a pass over the whole ledger. Used only when the newest row
    the earlier backup saw is still there, unchanged (:func:`_same_history`); otherwise computed whole. A
    restore verification recomputes everything from the restored database and compares: a wrong sum could
    not pass unnoticed. Without a usable base, the whole ledger is summed over its covering index
    (:data:`WHOLE_BY_INDEX`), not by a GROUP BY that sorts every line."""
    master = con.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index')").fetchall()
    names = sorted(n for t, n in master if t == "table" and not n.startswith("sqlite_"))
    indexes = {n for t, n in master if t == "index"}
    base_figs, base_marks = (base or {}).get("figures") or {}, (base or {}).get("marks") or {}
    base_counts = base_figs.get("row_counts") or {}
    carried: dict[str, list] = {}  # append-only ledgers whose history the base saw: table -> its mark
    marks: dict = {}
    for table, _sql, _types in APPEND_ONLY.values():
        if table in names:
            marks[table] = _mark(con, table)
            prev = base_marks.get(table)
            if prev is not None and _same_history(con, table, prev):
                carried[table] = prev
    counts = {}
    for n in names:
        if n in carried and isinstance(base_counts.get(n), int):
            # the base's count plus the rows added since (the ledger's whole index is not walked to count it)
            counts[n] = base_counts[n] + int(con.execute(f'SELECT COUNT(*) FROM "{n}" NOT INDEXED WHERE id > ?',
                                                         (carried[n][0],)).fetchone()[0])
        else:
            counts[n] = int(con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0])
    figures: dict = {"row_counts": counts}
    for key, (table, sql, types) in APPEND_ONLY.items():
        if table not in names:
            continue
        prev = carried.get(table)
        figures[key] = None
        if prev is not None and key in base_figs:
            # NOT INDEXED: the rows above the mark by the rowid range, not by an index walk over the whole
            # ledger (the planner picks one for the GROUP BY: 2 s instead of 0.1 s at 1 M lines)
            figures[key] = _added(base_figs[key], con.execute(sql.format(where=" NOT INDEXED WHERE id > ?"),
                                                              (prev[0],)), types)
        if figures[key] is None and WHOLE_BY_INDEX[key][0] in indexes:
            figures[key] = _added([], con.execute(WHOLE_BY_INDEX[key][1]), types)
        if figures[key] is None:
            figures[key] = [[str(v) for v in r] for r in con.execute(sql.format(where=""))]
    return figures, marks


def _added(base: list[list[str]], rows, types: tuple) -> list[list[str]] | None:
    """``base`` plus the sums of ``rows``, in the query's order (ids as numbers, codes as text); None when a
    value is not a whole number (then the caller sums the whole ledger)."""
    width = len(types)
    try:
        sums: dict[tuple, list[int]] = {tuple(r[:width]): [int(v) for v in r[width:]] for r in base}
        for r in rows:
            k = tuple(str(v) for v in r[:width])
            old = sums.get(k)
            vals = [int(v) for v in r[width:]]
            sums[k] = vals if old is None else [a + b for a, b in zip(old, vals, strict=True)]
        order = sorted(sums, key=lambda k: tuple(t(v) for t, v in zip(types, k, strict=True)))
    except (TypeError, ValueError):
        return None
    return [[*k, *(str(v) for v in sums[k])] for k in order]


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def compare(expected: dict, actual: dict) -> list[str]:
    """Differences between recorded and restored figures, as short English lines (empty when equal)."""
    out: list[str] = []
    exp_counts, act_counts = expected.get("row_counts", {}), actual.get("row_counts", {})
    for name in sorted(set(exp_counts) | set(act_counts)):
        if exp_counts.get(name) != act_counts.get(name):
            out.append(f"rows {name}: {exp_counts.get(name, '-')} != {act_counts.get(name, '-')}")
    for key in ("trial_balance", "stock_on_hand"):
        if expected.get(key, []) != actual.get(key, []):
            out.append(f"{key} differs")
    return out
