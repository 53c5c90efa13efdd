"""盘点: frozen book quantities, counts (form and Excel round trip), gain and loss moves through 1901, the
write-off needing approval (all backends)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from erp_core.approvals import services as approvals
from erp_core.io.importer import ImportFailed
from erp_core.kernel.errors import Conflict
from erp_core.stockops import services as S
from erp_core.stockops import stocktake_services as T
from tests.stockops.support import DAY, moves, voucher
from tests.stockops.support import company as stock_company

D = Decimal
AS_OF = dt.date(2026, 3, 5)


@pytest.fixture
def st(db, company):
    st = stock_company(db, setup=company)  # WH01: P1 100 @ 2.5, P2 10 @ 0.335 (no location) on 2026-03-01
    rid = S.create_other_receipt(db, st.admin, doc_date=dt.date(2026, 3, 2), warehouse_id=st.warehouses["WH01"],
                                 lines=[{"product_id": st.products["P3"], "quantity": "6", "unit_cost": "4",
                                         "location_id": st.locations["A1"]}])
    S.post_other_receipt(db, st.admin, doc_id=rid)
    return st


def _lines(db, st, stocktake_id):
    from erp_core.stockops.queries import stocktake_detail

    return stocktake_detail(db, st.admin, stocktake_id=stocktake_id)


def test_book_quantities_are_frozen_as_of_the_day(db, st):
    sid = T.start_stocktake(db, st.admin, warehouse_id=st.warehouses["WH01"], as_of=AS_OF, doc_date=DAY)
    # a later issue does not change the frozen book
    S.post_other_issue(db, st.admin, doc_id=S.create_other_issue(
        db, st.admin, doc_date=dt.date(2026, 3, 6), warehouse_id=st.warehouses["WH01"],
        lines=[{"product_id": st.products["P1"], "quantity": "1"}]))
    detail = _lines(db, st, sid)
    assert detail.header["status"] == "counting" and detail.header["number"].startswith("PD202603-")
    assert [(r["line_no"], r["location_code"], r["product_code"], r["book_qty"], r["counted_qty"])
            for r in detail.lines] == [(1, None, "P1", D("100"), None), (2, None, "P2", D("10"), None),
                                       (3, "A1", "P3", D("6"), None)]


def test_gain_and_loss_post_through_1901_and_the_approved_writeoff_clears_it(db, st):
    sid = T.start_stocktake(db, st.admin, warehouse_id=st.warehouses["WH01"], as_of=AS_OF, doc_date=DAY)
    with pytest.raises(Conflict) as err:  # nothing counted yet
        T.post_stocktake(db, st.admin, stocktake_id=sid)
    assert err.value.message_id == "error.inv.stocktake_uncounted" and err.value.params["count"] == 3
    v = _lines(db, st, sid).header["version"]
    v = T.record_counts(db, st.admin, stocktake_id=sid, version=v, counts=[
        {"line_no": 1, "counted_qty": "97"},    # loss 3 x 2.5 = 7.50
        {"line_no": 2, "counted_qty": "13"},    # gain 3 x 0.335 = 1.005 -> 1.01
        {"line_no": 3, "counted_qty": "6"}])    # no variance
    r = T.post_stocktake(db, st.admin, stocktake_id=sid, version=v)
    assert moves(db, r.stock_posting_id) == [
        ("adjustment", st.warehouses["WH01"], None, st.products["P1"], D("-3"), D("2.5"), D("-7.50")),
        ("adjustment", st.warehouses["WH01"], None, st.products["P2"], D("3"), D("0.335"), D("1.01"))]
    assert voucher(db, r.voucher_id) == [("1405", D("1.01"), D(0)), ("1901", D(0), D("1.01")),
                                         ("1901", D("7.50"), D(0)), ("1405", D(0), D("7.50"))]

    # the write-off needs approval: a rule (data) names the boss for amounts above 5
    from erp_core.security.user_services import create_user

    boss_id = create_user(db, st.admin, username="boss", display_name="老板", password="B0ss-Password-77!")
    approvals.create_rule(db, st.admin, doc_type="stocktake_writeoff", condition="amount_above", threshold="5",
                          approver_user_id=boss_id, level=1)
    wid = T.create_writeoff(db, st.admin, stocktake_id=sid)
    with pytest.raises(Conflict) as err:
        T.post_writeoff(db, st.admin, writeoff_id=wid)
    assert err.value.message_id == "error.approvals.pending"
    with pytest.raises(Conflict):  # one standing write-off per stocktake
        T.create_writeoff(db, st.admin, stocktake_id=sid)
    _approve_as(db, st, boss_id)
    w = T.post_writeoff(db, st.admin, writeoff_id=wid)
    assert voucher(db, w.voucher_id) == [("1901", D("1.01"), D(0)), ("5301", D(0), D("1.01")),   # 盘盈 营业外收入
                                         ("5602", D("7.50"), D(0)), ("1901", D(0), D("7.50"))]   # 盘亏 管理费用
    with pytest.raises(Conflict) as err:  # the stocktake is not reversed under a standing write-off
        T.reverse_stocktake(db, st.admin, stocktake_id=sid)
    assert err.value.message_id == "error.inv.stocktake_has_writeoff"


def _approve_as(db, st, uid):
    """The named approver (not the creator) approves the one pending request."""
    from erp_core.approvals.queries import my_inbox
    from tests.support.factories import actor

    boss = actor(st.company_id, {"approvals.request.decide": "all", "approvals.inbox.view": "all"}, user_id=uid, username="boss")
    [req] = my_inbox(db, boss)
    assert approvals.approve(db, boss, request_id=req["id"] if isinstance(req, dict) else req.id) == "approved"


def test_count_sheet_round_trip_through_excel(db, st):
    from erp_core.stockops.queries import export_count_sheet

    sid = T.start_stocktake(db, st.admin, warehouse_id=st.warehouses["WH01"], as_of=AS_OF)
    f = export_count_sheet(db, st.admin, stocktake_id=sid)
    assert f.filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(f.data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["行号", "库位编码", "商品编码", "商品名称", "规格型号", "单位", "账面数量", "实盘数量"]
    assert [r[0] for r in rows[1:]] == [1, 2, 3] and rows[1][2] == "P1" and rows[1][6] == 100
    # the counters fill in the last column, and add a found item (P3 with no location: not on the book there)
    rows[1][7], rows[2][7], rows[3][7] = 100, "9.5", 6
    rows.append([None, None, "P3", None, None, None, None, 2])
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    T.import_count_sheet(db, st.admin, stocktake_id=sid, data=buf.getvalue(), filename="count.xlsx")
    got = [(r["line_no"], r["location_code"], r["product_code"], r["book_qty"], r["counted_qty"])
           for r in _lines(db, st, sid).lines]
    assert got == [(1, None, "P1", D("100"), D("100")), (2, None, "P2", D("10"), D("9.5")),
                   (3, "A1", "P3", D("6"), D("6")), (4, None, "P3", D("0"), D("2"))]


def test_a_bad_count_sheet_changes_nothing_and_names_each_row(db, st):
    sid = T.start_stocktake(db, st.admin, warehouse_id=st.warehouses["WH01"], as_of=AS_OF)
    data = "行号,商品编码,实盘数量\n1,P1,99\n2,P1,5\n9,P2,1\n,NOPE,1\n,P2,-1\n".encode()
    with pytest.raises(ImportFailed) as err:
        T.import_count_sheet(db, st.admin, stocktake_id=sid, data=data, filename="count.csv")
    assert sorted((p.row, p.message_id) for p in err.value.report.problems) == [
        (3, "error.inv.count_line_mismatch"), (4, "error.inv.stocktake_no_line"),
        (5, "error.inventory.unknown_product"), (6, "error.import.min")]
    assert all(r["counted_qty"] is None for r in _lines(db, st, sid).lines)
    # the page's check gives the same report and writes nothing either
    report = T.check_count_sheet(db, st.admin, stocktake_id=sid, data=data, filename="count.csv")
    assert len(report.problems) == 4
    good = "行号,商品编码,实盘数量\n1,P1,99\n".encode()
    assert T.check_count_sheet(db, st.admin, stocktake_id=sid, data=good, filename="c.csv").problems == []
