"""Data quality checks (issue #16 item 6) against a real database (SQLite, PostgreSQL, MariaDB): each check counts
what it should and its drill-down names the rows; a clean company is clean; the query is company-bound; the
export carries the rows; `erp check --quality` prints and records them."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from erp_core.finance import voucher_services as vs
from erp_core.finance.models import VoucherLine
from erp_core.health.quality import QUALITY_CHECKS, missing_numbers, run_quality
from erp_core.health.queries import data_quality, export_quality
from erp_core.kernel.errors import ValidationError
from erp_core.masterdata import employees_services, partners_services
from tests.documents.doctype import T_ORDER, create_tables, run
from tests.finance.support import line
from tests.inventory.support import build, post

TODAY = dt.date(2026, 11, 20)


def _by_code(results):
    return {r.code: r for r in results}


def test_missing_numbers_is_pure():
    assert missing_numbers([1, 2, 5, 7]) == [3, 4, 6]
    assert missing_numbers([]) == []
    assert missing_numbers([3]) == [1, 2]


def test_each_check_counts_its_problem_and_drills_down(db, company):
    st = build(db, company=company)  # products P1, P2, P3 (stocked), S1 (service); no stock, no vouchers yet
    admin = st.admin
    found = _by_code(data_quality(db, admin, on=TODAY))
    assert set(found) == set(QUALITY_CHECKS)
    assert found["products_without_cost"].count == 3  # P1, P2, P3; the service and the inactive P9 never count
    assert {r["code"] for r in found["products_without_cost"].rows} == {"P1", "P2", "P3"}
    for code in ("stock_vs_gl", "unbalanced_vouchers", "unposted_vouchers", "voucher_gaps",
                 "customers_without_tax_id", "duplicate_partners", "employees_without_department",
                 "stuck_documents"):
        assert found[code].count == 0, (code, found[code].rows)

    # stock received at a cost, with no voucher: P1 gets a cost, the stock ledger no longer equals 1405
    post(db, admin, posting_key="q-1", move_date=dt.date(2026, 10, 5), moves=[
        {"warehouse_id": st.warehouses["WH01"], "product_id": st.products["P1"], "quantity": Decimal(10),
         "unit_cost": Decimal("12.5"), "move_type": "receipt"}])
    # master data: a customer without tax ID, two look-alike suppliers, an employee without department
    partners_services.create_customer(db, admin, values={"code": "C1", "name": "星辰贸易有限公司"})
    partners_services.create_customer(db, admin, values={"code": "C2", "name": "湘江电器", "tax_id": "91430100MA4L000001"})
    partners_services.create_supplier(db, admin, values={"code": "S1", "name": "江南原料厂", "phone": "0731-88880000"})
    partners_services.create_supplier(db, admin, values={"code": "S2", "name": "江南原料厂有限公司"},
                                      confirm_duplicates=True)
    employees_services.create_employee(db, admin, values={"code": "E1", "name": "王五"})
    # vouchers of October (ended): three drafts, the second deleted (a gap), the third made unbalanced by hand
    ids = [vs.create_voucher(db, admin, voucher_date=dt.date(2026, 10, d), lines=[
        line("1001", debit="100"), line("5001", credit="100")]) for d in (10, 11, 12)]
    vs.delete_voucher(db, admin, voucher_id=ids[1])
    with db.uow() as uow:
        vl = uow.session.execute(select(VoucherLine).where(VoucherLine.voucher_id == ids[2])
                                 .order_by(VoucherLine.line_no)).scalars().first()
        vl.debit = Decimal("90")
        uow.commit()

    found = _by_code(data_quality(db, admin, on=TODAY))
    gl = found["stock_vs_gl"]
    assert gl.count == 1 and gl.rows[0]["stock_value"] == Decimal("125.00")
    assert gl.rows[0]["ledger_balance"] == 0 and gl.rows[0]["difference"] == Decimal("125.00")
    assert {r["code"] for r in found["products_without_cost"].rows} == {"P2", "P3"}
    assert [r["code"] for r in found["customers_without_tax_id"].rows] == ["C1"]
    dup = found["duplicate_partners"].rows
    assert [(r["kind"], r["code"], r["other_code"]) for r in dup] == [("supplier", "S1", "S2")]
    assert [r["code"] for r in found["employees_without_department"].rows] == ["E1"]
    unposted = found["unposted_vouchers"].rows
    assert [r["voucher_id"] for r in unposted] == [ids[0], ids[2]] and {r["period"] for r in unposted} == {"2026-10"}
    gaps = found["voucher_gaps"].rows
    assert [(g["period"], g["missing"], g["highest"]) for g in gaps] == [("2026-10", "2", 3)]
    unbalanced = found["unbalanced_vouchers"].rows
    assert [(r["voucher_id"], r["debit"], r["credit"]) for r in unbalanced] == [(ids[2], Decimal("90.00"),
                                                                                Decimal("100.00"))]
    # a voucher of the current month is not "unposted at period end" yet
    assert not [r for r in unposted if r["period"] == "2026-11"]
    # only the asked checks run; an unknown one names the field
    assert [r.code for r in data_quality(db, admin, codes=["voucher_gaps"], on=TODAY)] == ["voucher_gaps"]
    with pytest.raises(ValidationError) as exc:
        data_quality(db, admin, codes=["nope"])
    assert exc.value.field == "field.health.check"
    with pytest.raises(ValidationError):
        data_quality(db, admin, stuck_days=0)
    # the export carries the drill-down rows with localized headers
    f = export_quality(db, admin, code="customers_without_tax_id", fmt="xlsx", locale="en")
    sheet = openpyxl.load_workbook(io.BytesIO(f.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Customer ID", "Code", "Name"] and values[1][1:3] == ["C1", "星辰贸易有限公司"]


def test_checks_see_only_their_company(db, company):
    st = build(db, company=company)
    partners_services.create_customer(db, st.admin, values={"code": "C1", "name": "没有税号的客户"})
    with db.uow(readonly=True) as uow:
        other = _by_code(run_quality(uow.session, st.company_id + 999, on=TODAY))
    assert all(r.count == 0 for r in other.values())


def test_stuck_documents_of_any_registered_type(db, company):
    from erp_core.documents import services as k
    from erp_core.kernel.clock import set_clock

    create_tables(db)
    st = build(db, company=company)

    def make(ctx):
        lines = [{"product_id": st.products["P1"], "ordered_qty": Decimal(2), "unit_price": Decimal(3)}]
        return k.create_document(ctx, T_ORDER, doc_date=dt.date(2026, 9, 1), lines=lines).id

    set_clock(lambda: dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC))
    try:
        old = run(db, st.admin, make)
        set_clock(lambda: dt.datetime(2026, 11, 15, 8, tzinfo=dt.UTC))
        fresh = run(db, st.admin, make)
    finally:
        set_clock(None)
    rows = _by_code(data_quality(db, st.admin, on=TODAY, codes=["stuck_documents"]))["stuck_documents"].rows
    assert [(r["doc_type"], r["doc_id"], r["status"]) for r in rows] == [("t_order", old, "draft")]
    assert rows[0]["days"] == 79  # 1 Sept 08:00 -> 20 Nov 00:00
    assert fresh not in [r["doc_id"] for r in rows]
    longer = data_quality(db, st.admin, on=TODAY, codes=["stuck_documents"], stuck_days=100)
    assert longer[0].count == 0
