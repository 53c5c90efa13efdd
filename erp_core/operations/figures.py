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
