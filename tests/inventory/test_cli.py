"""`erp import opening-stock FILE [--date] [--dry-run]` and `erp export stock-on-hand` (all backends): a row-by-row
report and exit 1 on any problem with nothing written; exit 0 and the moves written otherwise; importing the same
file again writes nothing; the export holds the stock on hand."""

from __future__ import annotations

import csv
import io

import pytest

from tests.inventory.support import build, counts


@pytest.fixture
def run(db, erp_cli, company):
    build(db, company)
    return erp_cli


def test_opening_stock_import_and_stock_on_hand_export(run, db, tmp_path):
    f = tmp_path / "opening.csv"
    f.write_text("仓库编码,库位编码,商品编码,数量,单价,金额\nWH01,A1,P1,10,2.5,\nWH01,,S1,1,1,\nWH02,,P2,0,1,\n",
                 encoding="gb18030")
    bad = run("import", "opening-stock", str(f), "--date", "2026-01-01")
    assert bad.exit_code == 1, bad.output
    assert "Row 3, 商品编码 (S1)" in bad.output and "Row 4, 数量 (0)" in bad.output
    assert counts(db) == (0, 0)
    f.write_text("仓库编码,库位编码,商品编码,数量,单价,金额\nWH01,A1,P1,10,2.5,\nWH02,,P2,3,,7.50\n", encoding="utf-8")
    undated = run("import", "opening-stock", str(f))
    assert undated.exit_code == 1 and counts(db) == (0, 0)
    dry = run("import", "opening-stock", str(f), "--date", "2026-01-01", "--dry-run")
    assert dry.exit_code == 0 and counts(db) == (0, 0)
    done = run("import", "opening-stock", str(f), "--date", "2026-01-01")
    assert done.exit_code == 0 and "2 created" in done.output and counts(db) == (2, 1)
    again = run("import", "opening-stock", str(f), "--date", "2026-01-01")
    assert again.exit_code == 0 and "imported before" in again.output and counts(db) == (2, 1)

    out = tmp_path / "soh.csv"
    exported = run("export", "stock-on-hand", "--format", "csv", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "Warehouse code" and rows[0][-1] == "Value"
    assert [(r[0], r[2], r[-3], r[-2], r[-1]) for r in rows[1:]] == [("WH01", "P1", "10", "2.5", "25.00"),
                                                                      ("WH02", "P2", "3", "2.5", "7.50")]
    xlsx = tmp_path / "soh.xlsx"
    assert run("export", "stock-on-hand", "--format", "xlsx", "--out", str(xlsx)).exit_code == 0
    assert xlsx.read_bytes()[:2] == b"PK"


def test_opening_balances_command_takes_a_stock_file(run, db, tmp_path):
    """`erp import opening-balances` covers every opening balance of issue #4: a file whose headers name a
    warehouse and a product is the opening stock (the account-balance format is unaffected, see tests/io)."""
    f = tmp_path / "opening.csv"
    f.write_text("warehouse,product,quantity,unit_cost\nWH01,P1,4,2.5\n", encoding="utf-8")
    undated = run("import", "opening-balances", str(f))
    assert undated.exit_code == 1 and counts(db) == (0, 0)
    done = run("import", "opening-balances", str(f), "--date", "2026-01-01")
    assert done.exit_code == 0, done.output
    assert counts(db) == (1, 1)
