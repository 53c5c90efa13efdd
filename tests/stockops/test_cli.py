"""`erp report stock-on-hand | stock-movement` and `erp import stock-transfers | stocktakes [--post]` (all
backends): exact columns and figures; all-or-nothing imports with row-by-row problems, idempotent by number."""

from __future__ import annotations

import csv
import io

import pytest

from tests.inventory.support import counts
from tests.stockops.support import company as stock_company


@pytest.fixture
def run(db, erp_cli, company):
    stock_company(db, setup=company)  # WH01: P1 100 @ 2.5, P2 10 @ 0.335 on 2026-03-01
    return erp_cli


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_transfer_import_then_reports(run, db, tmp_path):
    f = tmp_path / "transfers.csv"
    f.write_text("number,date,from_warehouse,to_warehouse,to_location,product,quantity\n"
                 "T-1,2026-03-05,WH01,WH02,B1,P1,40\nT-1,2026-03-05,WH01,WH02,B1,P2,20\n"
                 "T-2,2026-03-06,WH01,WH02,,NOPE,1\n", encoding="utf-8")
    bad = run("import", "stock-transfers", str(f), "--post")
    assert bad.exit_code == 1 and "Row 4" in bad.output
    assert counts(db) == (2, 1)  # the openings only
    f.write_text("number,date,from_warehouse,to_warehouse,to_location,product,quantity\n"
                 "T-1,2026-03-05,WH01,WH02,B1,P1,40\nT-1,2026-03-05,WH01,WH02,B1,P2,20\n", encoding="utf-8")
    short = run("import", "stock-transfers", str(f), "--post")  # P2: only 10 on hand
    assert short.exit_code == 1 and "Row 3" in short.output and "10 short" in short.output, short.output
    assert counts(db) == (2, 1)
    f.write_text("number,date,from_warehouse,to_warehouse,to_location,product,quantity\n"
                 "T-1,2026-03-05,WH01,WH02,B1,P1,40\nT-1,2026-03-05,WH01,WH02,B1,P2,4\n", encoding="utf-8")
    done = run("import", "stock-transfers", str(f), "--post")
    assert done.exit_code == 0 and "1 created" in done.output, done.output
    assert counts(db) == (6, 2)
    again = run("import", "stock-transfers", str(f), "--post")
    assert again.exit_code == 0 and counts(db) == (6, 2)

    soh = run("report", "stock-on-hand", "--as-of", "2026-03-05")
    assert soh.exit_code == 0, soh.output
    assert _csv(soh.output) == [["warehouse_code", "product_code", "quantity", "unit_cost", "amount"],
                                ["WH01", "P1", "60", "2.5", "150.00"], ["WH01", "P2", "6", "0.335", "2.01"],
                                ["WH02", "P1", "40", "2.5", "100.00"], ["WH02", "P2", "4", "0.335", "1.34"]]
    before = run("report", "stock-on-hand", "--as-of", "2026-03-04")
    assert [r[2] for r in _csv(before.output)[1:]] == ["100", "10"]
    mv = run("report", "stock-movement", "--from", "2026-03-02", "--to", "2026-03-31")
    assert mv.exit_code == 0, mv.output
    assert _csv(mv.output) == [
        ["product_code", "warehouse_code", "opening_qty", "opening_amount", "in_qty", "in_amount", "out_qty",
         "out_amount", "closing_qty", "closing_amount"],
        ["P1", "WH01", "100", "250.00", "0", "0.00", "40", "100.00", "60", "150.00"],
        ["P1", "WH02", "0", "0.00", "40", "100.00", "0", "0.00", "40", "100.00"],
        ["P2", "WH01", "10", "3.35", "0", "0.00", "4", "1.34", "6", "2.01"],
        ["P2", "WH02", "0", "0.00", "4", "1.34", "0", "0.00", "4", "1.34"]]


def test_stocktake_import_posts_the_variances(run, db, tmp_path):
    f = tmp_path / "stocktakes.csv"
    f.write_text("number,date,warehouse,product,counted\nPD-1,2026-03-05,WH01,P1,98\nPD-1,2026-03-05,WH01,P2,10\n",
                 encoding="utf-8")
    dry = run("import", "stocktakes", str(f), "--dry-run")
    assert dry.exit_code == 0 and counts(db) == (2, 1)
    done = run("import", "stocktakes", str(f), "--post")
    assert done.exit_code == 0, done.output
    assert counts(db) == (3, 2)  # one adjustment move (P1 -2)
    assert run("import", "stocktakes", str(f), "--post").exit_code == 0 and counts(db) == (3, 2)
    soh = _csv(run("report", "stock-on-hand").output)
    assert soh[1][:3] == ["WH01", "P1", "98"]
