"""Opening-stock import (all backends): the dry run lists every problem and writes nothing; the commit is all or
nothing; a good file gives the expected stock on hand; re-importing is idempotent; a different opening for a
product and warehouse that already has one is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.inventory.opening_services import dry_run_opening_stock, import_opening_stock, template
from erp_core.inventory.queries import stock_on_hand
from erp_core.io.importer import ImportFailed, Table, read_table
from erp_core.ledger.models import AccountingPeriod
from tests.inventory.support import DAY, build, counts

HEAD = ["仓库编码", "库位编码", "商品编码", "数量", "单价", "金额"]


@pytest.fixture
def stock(db, company):
    return build(db, company)


def _found(report) -> set[tuple[int | None, str, str]]:
    return {(p.row, p.column, p.message_id) for p in report.problems}


def test_dry_run_reports_every_problem_at_once_and_writes_nothing(db, stock):
    table = Table(HEAD, [
        ["WH01", "", "P1", "10", "2.5", ""],          # 2 good
        ["WH01", "", "NOPE", "1", "1", ""],           # 3 unknown product
        ["WH01", "", "S1", "1", "1", ""],             # 4 service item
        ["WH77", "", "P2", "1", "1", ""],             # 5 unknown warehouse
        ["WH01", "B1", "P2", "1", "1", ""],           # 6 location of another warehouse
        ["WH01", "", "P3", "0", "1", ""],             # 7 zero quantity
        ["WH02", "", "P3", "-5", "1", ""],            # 8 negative quantity
        ["WH02", "B1", "P1", "3", "0.335", "1.00"],   # 9 cost and amount disagree (1.01)
        ["WH01", "A1", "P2", "abc", "x", ""],         # 10 bad numbers
        ["WH02", "", "P2", "4", "", ""],              # 11 neither cost nor amount
        ["WH01", "", "P1", "1", "1", ""],             # 12 same warehouse/location/product as row 2
        ["WH01", "ZZ", "P2", "1", "1", ""],           # 13 unknown location
    ], "opening.csv")
    report = dry_run_opening_stock(db, stock.admin, table, opening_date=DAY)
    assert _found(report) == {
        (3, "商品编码", "error.inventory.unknown_product"),
        (4, "商品编码", "error.inventory.not_stock_item"),
        (5, "仓库编码", "error.inventory.unknown_warehouse"),
        (6, "库位编码", "error.inventory.location_other_warehouse"),
        (7, "数量", "error.inventory.opening_quantity"),
        (8, "数量", "error.inventory.opening_quantity"),
        (9, "金额", "error.inventory.amount_mismatch"),
        (10, "数量", "error.import.number"), (10, "单价", "error.import.number"),
        (11, "单价", "error.inventory.cost_required"),
        (12, "商品编码", "error.import.duplicate_in_file"),
        (13, "库位编码", "error.inventory.unknown_location"),
    }
    # the posting-level problems come back with their row and value too
    service = next(p for p in report.problems if p.row == 4)
    assert service.value == "S1" and "服务" in service.render("zh_CN")
    assert counts(db) == (0, 0)
    with pytest.raises(ImportFailed) as err:
        import_opening_stock(db, stock.admin, table, opening_date=DAY)
    assert len(err.value.report.problems) == len(report.problems)
    assert counts(db) == (0, 0)


def test_posting_level_problems_map_to_rows_and_a_failing_commit_writes_nothing(db, stock):
    from erp_core.masterdata import items_services as items

    table = Table(["warehouse_code", "product_code", "quantity", "amount"], [
        ["WH01", "P1", "2", "10.00"],
        ["WH09", "P2", "1", "1.00"],     # inactive warehouse (checked by the posting)
        ["WH01", "P9", "1", "1.00"],     # inactive product
    ], "en.csv")
    report = dry_run_opening_stock(db, stock.admin, table, opening_date=DAY)
    assert _found(report) == {(3, "warehouse_code", "error.inventory.warehouse_inactive"),
                              (4, "product_code", "error.inventory.product_inactive")}
    with pytest.raises(ImportFailed):
        import_opening_stock(db, stock.admin, table, opening_date=DAY)
    assert counts(db) == (0, 0)
    # no date: a file-level problem
    report = dry_run_opening_stock(db, stock.admin, table)
    assert [(p.row, p.message_id) for p in report.problems] == [(None, "error.required")]
    assert items  # the service module is what made P9 inactive (support.build)


def test_a_good_file_gives_the_expected_stock_and_reimport_is_idempotent(db, stock):
    table = Table(HEAD, [
        ["WH01", "A1", "P1", "10", "2.5", "25.00"],
        ["WH01", "", "P1", "4", "", "10.00"],          # amount only -> unit cost 2.5
        ["ＷＨ０２", "B1", "P2", "3", "0.335", ""],     # full-width codes fold; 1.005 -> 1.01
        ["WH02", "", "P3", "1.5", "100", ""],
        ["", "", "", "", "", ""],                      # blank rows are skipped
    ], "opening.csv")
    progress = []
    report = import_opening_stock(db, stock.admin, table, lambda *a: progress.append(a), opening_date=DAY)
    assert report.committed and report.created == 4 and not report.problems
    assert progress[-1] == ("write", 4, 4)
    on_hand = stock_on_hand(db, stock.admin)
    got = {(r["warehouse_code"], r["product_code"]): (r["quantity"], r["value"], r["avg_cost"])
           for r in on_hand.rows}
    assert got == {("WH01", "P1"): (Decimal("14"), Decimal("35.00"), Decimal("2.5")),
                   ("WH02", "P2"): (Decimal("3"), Decimal("1.01"), Decimal("0.336667")),
                   ("WH02", "P3"): (Decimal("1.5"), Decimal("150.00"), Decimal("100"))}
    assert on_hand.total_value == Decimal("186.01")
    by_loc = stock_on_hand(db, stock.admin, by_location=True, warehouse_id=stock.warehouses["WH01"])
    assert [(r["location_code"], r["quantity"]) for r in by_loc.rows] == [(None, Decimal("4")),
                                                                         ("A1", Decimal("10"))]
    # the same file again: nothing new, a warning says so
    again = import_opening_stock(db, stock.admin, table, opening_date=DAY)
    assert again.committed and again.created == 0
    assert [w.message_id for w in again.warnings] == ["inventory.opening.already_imported"]
    assert counts(db) == (4, 1)
    # a different opening for a product and warehouse that has one: refused, row named
    other = Table(HEAD, [["WH02", "", "P1", "1", "1", ""], ["WH01", "", "P1", "9", "2", ""]], "second.csv")
    report = dry_run_opening_stock(db, stock.admin, other, opening_date=DAY)
    assert _found(report) == {(3, "商品编码", "error.inventory.opening_exists")}
    with pytest.raises(ImportFailed):
        import_opening_stock(db, stock.admin, other, opening_date=DAY)
    assert counts(db) == (4, 1)


def test_closed_period_is_a_problem_of_the_file(db, stock):
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=stock.company_id, period="2026-01", status="closed"))
        uow.commit()
    table = Table(HEAD, [["WH01", "", "P1", "1", "1", ""]], "opening.csv")
    report = dry_run_opening_stock(db, stock.admin, table, opening_date=DAY)
    assert [p.message_id for p in report.problems] == ["error.inventory.period_closed"]
    assert import_opening_stock(db, stock.admin, table, opening_date=dt.date(2026, 2, 1)).created == 1


def test_templates_read_back_with_their_own_headers(db, stock):
    for fmt in ("xlsx", "csv"):
        for loc in ("zh_CN", "en"):
            f = template(fmt, loc)
            table = read_table(f.data, f.filename)
            assert len(table.headers) == 6 and table.headers[0].endswith("*")
            report = dry_run_opening_stock(db, stock.admin, table, opening_date=DAY)
            # the example row names codes this company does not have: product P0001 is unknown
            assert {p.message_id for p in report.problems} == {"error.inventory.unknown_product"}, report.problems
            assert all(target for _h, target in report.columns)
