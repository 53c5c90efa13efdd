"""Import (dry run, all-or-nothing commit, upsert, encodings, header aliases, custom fields) and export
(round trip, formula neutralization)."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from erp_core.io import export_queries as ex
from erp_core.io import import_services as imp
from erp_core.io.importer import DuplicatesNotConfirmed, ImportFailed, read_table
from erp_core.masterdata import custom_fields_services as cfs
from erp_core.masterdata import items_queries as iq
from erp_core.masterdata import partners_queries as pq
from erp_core.masterdata import partners_services as ps
from erp_core.masterdata.models_items import Product
from erp_core.masterdata.models_partners import Customer
from erp_core.security.models import AuditLog
from tests.support.factories import actor, admin_actor


def _count(db, model, *where):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_and_zh_headers(encoding):
    table = read_table(_csv("编码,名称,信用额度\nC1,长沙星辰贸易有限公司,100\n", encoding), "c.csv")
    assert table.headers == ["编码", "名称", "信用额度"]
    assert table.rows == [["C1", "长沙星辰贸易有限公司", "100"]]


def test_xlsx_numbers_come_back_as_typed_decimals():
    table = read_table(_xlsx([["code", "name", "credit_limit"], ["C1", "甲", 1234.5], ["C2", "乙", 7]]), "c.xlsx")
    assert table.rows == [["C1", "甲", "1234.5"], ["C2", "乙", 7]]


def test_dry_run_reports_every_problem_and_writes_nothing(db, admin):
    audit_before = _count(db, AuditLog)
    data = _csv("Code,Name,Email,Credit limit,Payment terms,Department,Unknown\n"
                "C1,好客户,a@b.cn,100,30,,x\n"
                ",无编码,,,,,\n"
                "C3,,not-an-email,1.234,-1,NOPE,\n"
                "C1,重复编码,,,,,\n")
    report = imp.dry_run_customers(db, admin, read_table(data, "c.csv"))
    got = {(p.row, p.column, p.message_id) for p in report.problems}
    assert got == {(3, "Code", "error.required"), (4, "Name", "error.required"),
                   (4, "Email", "error.import.email"), (4, "Credit limit", "error.import.decimals"),
                   (4, "Payment terms", "error.import.min"), (4, "Department", "error.masterdata.unknown_ref"),
                   (5, "Code", "error.import.duplicate_in_file")}
    assert [w.column for w in report.warnings if w.message_id == "error.import.unknown_column"] == ["Unknown"]
    text = {p.render("zh_CN") for p in report.problems}
    assert "第 4 行，“Email”（not-an-email）：“Email”不是有效的电子邮件地址" in text
    assert any(p.render("en").startswith("Row 5, Code (C1):") for p in report.problems)
    assert _count(db, Customer) == 0 and _count(db, AuditLog) == audit_before
    with pytest.raises(ImportFailed) as err:
        imp.import_customers(db, admin, read_table(data, "c.csv"))
    assert len(err.value.report.problems) == 7
    assert _count(db, Customer) == 0 and _count(db, AuditLog) == audit_before


def test_missing_required_column_is_a_file_problem(db, admin):
    report = imp.dry_run_products(db, admin, read_table(_csv("code,spec\nP1,x\n"), "p.csv"))
    assert [p.message_id for p in report.problems] == ["error.import.missing_column"]
    assert report.problems[0].row is None


def test_commit_upserts_by_code_in_one_audited_transaction(db, admin):
    ps.create_customer(db, admin, values={"code": "C1", "name": "旧名称", "email": "old@x.cn"})
    audit_before = _count(db, AuditLog)
    progress = []
    data = _xlsx([["编码", "名称", "信用额度", "账期"], ["C1", "新名称", 500, 30], ["C2", "乙公司", "1,000.50", None]])
    report = imp.import_customers(db, admin, read_table(data, "c.xlsx"), lambda *a: progress.append(a))
    assert (report.created, report.updated, report.committed) == (1, 1, True)
    c1 = pq.list_customers(db, admin, search="C1").rows[0]
    assert (c1["name"], c1["credit_limit"], c1["payment_terms_days"], c1["email"]) == \
        ("新名称", Decimal("500.00"), 30, "old@x.cn")  # email was not in the file: kept
    assert c1["version"] == 2
    c2 = pq.list_customers(db, admin, search="C2").rows[0]
    assert c2["credit_limit"] == Decimal("1000.50") and c2["active"] is True
    assert _count(db, AuditLog) == audit_before + 1
    with db.uow(readonly=True) as uow:
        entry = uow.session.execute(select(AuditLog).order_by(AuditLog.seq.desc())).scalars().first()
        assert entry.action == "masterdata.customer.import" and '"created":1' in entry.details
        assert '"updated":1' in entry.details
    assert progress[-1][0] == "write" and progress[-1][1] == progress[-1][2] == 2


def test_import_duplicates_need_confirmation(db, admin):
    ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司"})
    data = _csv("code,name\nC2,长沙星辰贸易\nC3,别的公司\n")
    report = imp.dry_run_customers(db, admin, read_table(data, "c.csv"))
    assert report.ok and [(w.row, w.params["matches"]) for w in report.warnings] == [
        (2, "C1 长沙星辰贸易有限公司（名称相同）")]  # code, name and why (admin's locale zh_CN)
    with pytest.raises(DuplicatesNotConfirmed):
        imp.import_customers(db, admin, read_table(data, "c.csv"))
    assert _count(db, Customer) == 1
    imp.import_customers(db, admin, read_table(data, "c.csv"), confirm_duplicates=True)
    assert _count(db, Customer) == 3


def test_department_scoped_importer_cannot_touch_other_departments(db, admin):
    from erp_core.masterdata.models import Department

    with db.uow() as uow:
        d1 = Department(company_id=admin.company_id, code="D1", name="一部")
        d2 = Department(company_id=admin.company_id, code="D2", name="二部")
        uow.session.add_all([d1, d2])
        uow.commit()
    sales = actor(admin.company_id, {"masterdata.customer.import": "department"}, department_ids=frozenset({d1.id}))
    report = imp.dry_run_customers(db, sales, read_table(_csv("code,name,department\nC1,甲,D1\nC2,乙,D2\n"), "c"))
    assert [(p.row, p.message_id) for p in report.problems] == [(3, "error.permission_denied")]


def test_custom_fields_in_import_export_and_filters(db, admin):
    cfs.define_field(db, admin, values={"entity": "product", "key": "origin", "label_zh": "产地",
                                        "label_en": "Origin", "field_type": "choice", "choices": "湖南\n广东",
                                        "required": True, "default_value": "湖南"})
    cfs.define_field(db, admin, values={"entity": "product", "key": "weight", "label_zh": "重量",
                                        "label_en": "Weight", "field_type": "number"})
    bad = imp.dry_run_products(db, admin, read_table(_csv("code,name,产地,Weight\nP1,甲,上海,abc\n"), "p"))
    assert {(p.column, p.message_id) for p in bad.problems} == {("产地", "error.import.choice"),
                                                                 ("Weight", "error.import.number")}
    imp.import_products(db, admin, read_table(_csv("code,name,产地,Weight\nP1,甲,广东,1.50\nP2,乙,,\n"), "p"))
    rows = {r["code"]: r["custom"] for r in iq.list_products(db, admin).rows}
    assert rows == {"P1": {"origin": "广东", "weight": "1.5"}, "P2": {"origin": "湖南"}}
    assert [r["code"] for r in iq.list_products(db, admin, custom_filters={"origin": "湖南"}).rows] == ["P2"]
    assert [r["code"] for r in iq.list_products(db, admin, custom_filters={"weight": "1.5"}).rows] == ["P1"]
    f = ex.export_products(db, admin, fmt="csv", locale="en")
    header = f.data.decode("utf-8-sig").splitlines()[0]
    assert header.endswith("Origin*,Weight") and f.rows == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips_through_import(db, admin, fmt):
    cfs.define_field(db, admin, values={"entity": "customer", "key": "since", "label_zh": "合作开始",
                                        "label_en": "Since", "field_type": "date"})
    ps.create_customer(db, admin, values={"code": "C-1", "name": "=HYPERLINK(\"http://x\")", "phone": "+86 13800000000",
                                          "credit_limit": "1234567.89", "payment_terms_days": "45",
                                          "address": "-负号开头"}, custom={"since": "2026-03-01"})
    ps.create_customer(db, admin, values={"code": "C-2", "name": "@SUM(A1)", "contact_name": "\t制表符"})
    before = pq.list_customers(db, admin).rows
    f = ex.export_customers(db, admin, fmt=fmt, locale="zh_CN")
    report = imp.import_customers(db, admin, read_table(f.data, f.filename), confirm_duplicates=True)
    assert report.ok and (report.created, report.updated) == (0, 2)
    after = pq.list_customers(db, admin).rows
    strip = lambda rows: [{k: v for k, v in r.items() if k != "version"} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)


def test_formula_payloads_are_neutralized_in_csv_and_xlsx(db, admin):
    payloads = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
    for i, p in enumerate(payloads):
        ps.create_supplier(db, admin, values={"code": f"S{i}", "name": p}, confirm_duplicates=True)
    stored = [r["name"] for r in pq.list_suppliers(db, admin).rows]  # text is trimmed on input
    assert stored == ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "=1", "=1"]
    csv_text = ex.export_suppliers(db, admin, fmt="csv").data.decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(csv_text))][1:]
    assert names == ["'" + n for n in stored]
    wb = load_workbook(io.BytesIO(ex.export_suppliers(db, admin, fmt="xlsx").data))
    names = [row[1] for row in wb.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["'" + n for n in stored]
    assert all(c.data_type == "s" for row in wb.active.iter_rows(min_row=2) for c in row[:2])


def test_templates_have_header_and_one_example_that_imports(db, admin):
    # a storage location's example names the company's first warehouse: give the company one
    imp.import_warehouses(db, admin, read_table(b"code,name\r\nWH01,\xe6\x80\xbb\xe4\xbb\x93\r\n", "w.csv"))
    for name, template in ex.TEMPLATES.items():
        f = template(db, admin, fmt="xlsx")
        table = read_table(f.data, f.filename)
        assert len(table.rows) == 1, name
        report = imp.DRY_RUNS[name](db, admin, table)
        assert report.ok, (name, [p.render("en") for p in report.problems])


def test_failing_import_of_many_rows_writes_nothing(db, admin):
    lines = ["code,name,reorder_point"] + [f"P{i:05d},商品{i},{i}" for i in range(3000)]
    lines[2500] = "P02499,,-5"
    with pytest.raises(ImportFailed) as err:
        imp.import_products(db, admin, read_table(_csv("\n".join(lines) + "\n"), "p.csv"))
    assert {p.message_id for p in err.value.report.problems} == {"error.required", "error.import.min"}
    assert _count(db, Product) == 0


def test_categories_may_name_parents_later_in_the_same_file_but_not_cycles(db, admin):
    data = _csv("编码,名称,上级分类\nSCREW,螺丝,HW\nHW,五金,\nBOLT,螺栓,HW\n")
    report = imp.import_categories(db, admin, read_table(data, "k.csv"))
    assert report.created == 3
    tree = {n["code"]: n["depth"] for n in iq.category_tree(db, admin)}
    assert tree == {"HW": 0, "BOLT": 1, "SCREW": 1}
    cycle = _csv("code,name,parent\nA,甲,B\nB,乙,A\n")
    bad = imp.dry_run_categories(db, admin, read_table(cycle, "k.csv"))
    assert {p.message_id for p in bad.problems} == {"error.masterdata.category_cycle"}
    moved = _csv("code,name,parent\nHW,五金,SCREW\n")  # an existing parent under its own child
    assert not imp.dry_run_categories(db, admin, read_table(moved, "k.csv")).ok


_seq = iter(range(10**6))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["ok", "ok", "ok", "no_name", "bad_money", "bad_terms"]), min_size=1, max_size=12))
def test_import_is_all_or_nothing(db, admin, kinds):
    batch = next(_seq)
    lines = ["code,name,credit_limit,payment_terms_days"]
    for i, k in enumerate(kinds):
        lines.append(f"H{batch}-{i},{'' if k == 'no_name' else f'公司{batch}-{i}'},"
                     f"{'1.001' if k == 'bad_money' else '10.5'},{'x' if k == 'bad_terms' else '30'}")
    before = _count(db, Customer)
    table = read_table(_csv("\n".join(lines) + "\n"), "c.csv")
    bad = sum(k != "ok" for k in kinds)
    if bad:
        with pytest.raises(ImportFailed) as err:
            imp.import_customers(db, admin, table, confirm_duplicates=True)
        assert len(err.value.report.problems) == bad
        assert _count(db, Customer) == before
    else:
        imp.import_customers(db, admin, table, confirm_duplicates=True)
        assert _count(db, Customer) == before + len(kinds)
