"""Storage locations as an import/export kind keyed by (warehouse code, location code), and department-scoped
imports of departments (the settings page's rule, row by row). Issue #4, brief B items 1 and 2."""

import json

import pytest
from sqlalchemy import func, select

from erp_core.io import export_queries as ex
from erp_core.io import import_services as imp
from erp_core.io.importer import ImportFailed, read_table
from erp_core.io.registry import import_kinds
from erp_core.kernel.actor import Scope
from erp_core.masterdata import org_services
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation
from erp_core.security.models import AuditLog
from tests.support.factories import actor, admin_actor


def _csv(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def _locations(db) -> dict[tuple[str, str], dict]:
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Warehouse.code, WarehouseLocation.code, WarehouseLocation.name,
                                          WarehouseLocation.active, WarehouseLocation.version)
                                   .join(Warehouse, Warehouse.id == WarehouseLocation.warehouse_id)).all()
    return {(w, c): {"name": n, "active": a, "version": v} for w, c, n, a, v in rows}


def _count(db, model) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def setup(db, company):
    result = company
    admin = admin_actor(db, result)
    imp.import_warehouses(db, admin, read_table(_csv("code,name,active\nWH1,总仓,\nWH2,分仓,\nWH3,旧仓,否\n"),
                                                "w.csv"))
    return result, admin


def test_locations_upsert_by_warehouse_and_code(db, setup):
    _result, admin = setup
    data = _csv("仓库编码,库位编码,库位名称\nWH1,A01,A区1号\nWH2,A01,分仓A区\nWH1,A02,A区2号\n")
    report = imp.import_locations(db, admin, read_table(data, "l.csv"))
    assert (report.created, report.updated, report.committed) == (3, 0, True)
    locs = _locations(db)
    assert set(locs) == {("WH1", "A01"), ("WH2", "A01"), ("WH1", "A02")}  # same code in two warehouses
    assert all(v["active"] for v in locs.values())
    # re-import: the same code in WH2 updates only WH2's location; a new one in WH2 is created
    again = _csv("warehouse,code,name,active\nWH2,A01,分仓A区（改）,no\nWH2,B01,分仓B区,\n")
    report = imp.import_locations(db, admin, read_table(again, "l.csv"))
    assert (report.created, report.updated) == (1, 1)
    locs = _locations(db)
    assert locs[("WH2", "A01")] == {"name": "分仓A区（改）", "active": False, "version": 2}
    assert locs[("WH1", "A01")] == {"name": "A区1号", "active": True, "version": 1}
    with db.uow(readonly=True) as uow:
        audits = [json.loads(a.details)["changes"] for a in uow.session.execute(
            select(AuditLog).where(AuditLog.entity == "location_import").order_by(AuditLog.id)).scalars()]
    assert [(a["created"], a["updated"]) for a in audits] == [(3, 0), (1, 1)]


def test_location_dry_run_lists_every_problem_and_commit_writes_nothing(db, setup):
    _result, admin = setup
    imp.import_locations(db, admin, read_table(_csv("warehouse,code,name\nWH1,A01,甲\n"), "l.csv"))
    bad = _csv("warehouse,code,name,active\n"
               "NOPE,A01,未知仓库,\n"      # 2 unknown warehouse
               "WH1,B01,乙,\n"            # 3 fine
               "WH1,B01,乙二,\n"          # 4 duplicate key in the file
               "WH2,B01,同码他仓,\n"       # 5 fine: same code, other warehouse
               "WH1,C01,丙,也许\n"         # 6 bad active value
               "WH3,D01,停用仓库,\n"       # 7 new location in an inactive warehouse
               ",E01,无仓库,\n")           # 8 warehouse required
    report = imp.dry_run_locations(db, admin, read_table(bad, "l.csv"))
    assert {(p.row, p.message_id) for p in report.problems} == {
        (2, "error.masterdata.unknown_ref"), (4, "error.import.duplicate_in_file"), (6, "error.import.boolean"),
        (7, "error.settings.warehouse.inactive"), (8, "error.required")}
    dup = next(p for p in report.problems if p.row == 4)
    assert dup.params == {"other": 3}
    before = _locations(db)
    with pytest.raises(ImportFailed) as exc:
        imp.import_locations(db, admin, read_table(bad, "l.csv"))
    assert len(exc.value.report.problems) == 5
    assert _locations(db) == before


def test_location_export_round_trip_and_template(db, setup):
    _result, admin = setup
    imp.import_locations(db, admin, read_table(_csv("warehouse,code,name\nWH2,A01,乙\nWH1,A01,=1+2\n"), "l.csv"))
    for fmt, locale in (("xlsx", "zh_CN"), ("csv", "en")):
        f = ex.export_locations(db, admin, fmt=fmt, locale=locale)
        assert f.rows == 2
        table = read_table(f.data, f.filename)
        assert table.headers[:2] == (["仓库编码*", "库位编码*"] if locale == "zh_CN"
                                     else ["Warehouse code*", "Location code*"])
        report = imp.import_locations(db, admin, table)
        assert (report.created, report.updated) == (0, 2)
    assert _locations(db)[("WH1", "A01")]["name"] == "=1+2"
    for fmt in ("xlsx", "csv"):
        f = ex.location_template(db, admin, fmt=fmt)
        report = imp.dry_run_locations(db, admin, read_table(f.data, f.filename))
        assert report.ok and (report.created, report.updated) == (0, 1)  # WH1 A01: the example, which exists
        assert read_table(f.data, f.filename).rows[0][0] == "WH1"


def _dep_ids(db) -> dict[str, int]:
    with db.uow(readonly=True) as uow:
        return dict(uow.session.execute(select(Department.code, Department.id)).all())


def test_department_scoped_user_imports_inside_their_subtree_only(db, setup):
    result, admin = setup
    imp.import_departments(db, admin, read_table(_csv("code,name,parent\nD0,总公司,\nD1,销售部,D0\n"
                                                      "D11,华南,D1\nD2,财务部,D0\n"), "d.csv"))
    ids = _dep_ids(db)
    scope = frozenset({ids["D1"], ids["D11"]})  # own department and its subtree, as build_actor computes it
    clerk = actor(result.company_id, {p: Scope.DEPARTMENT for p in (
        "masterdata.department.import", "masterdata.department.create", "masterdata.department.edit")},
        department_ids=scope)
    data = _csv("code,name,parent\n"
                "N2,二级新部门,N1\n"     # 2 new under a new department of the file that is in scope: ok
                "N1,新部门,D1\n"        # 3 new under D1: ok
                "X1,越权,D2\n"          # 4 new under D2 (outside): refused
                "X2,顶级,\n"            # 5 new top-level department: refused
                "D11,华南（改名）,D1\n"   # 6 update inside scope: ok
                "D2,财务部（改）,D0\n"    # 7 update of a department outside scope: refused
                "D1,销售中心,D0\n"       # 8 own department, parent unchanged: ok (as on the settings page)
                "X3,挂在越权下,X1\n")    # 9 new under a refused new department: refused
    report = imp.dry_run_departments(db, clerk, read_table(data, "d.csv"))
    assert sorted((p.row, p.message_id, p.params["code"]) for p in report.problems) == [
        (4, "error.import.department_out_of_scope", "X1"), (5, "error.import.department_out_of_scope", "X2"),
        (7, "error.import.department_out_of_scope", "D2"), (9, "error.import.department_out_of_scope", "X3")]
    assert "X1" in report.problems[0].render("en")
    with pytest.raises(ImportFailed):
        imp.import_departments(db, clerk, read_table(data, "d.csv"))
    assert set(_dep_ids(db)) == {"D0", "D1", "D11", "D2"}
    # moving an in-scope department under one outside is refused; the same file without the bad rows commits
    move = imp.dry_run_departments(db, clerk, read_table(_csv("code,name,parent\nD11,华南,D2\n"), "d.csv"))
    assert [(p.row, p.column) for p in move.problems] == [(2, "parent")]
    good = _csv("code,name,parent\nN2,二级新部门,N1\nN1,新部门,D1\nD11,华南（改名）,D1\nD1,销售中心,D0\n")
    report = imp.import_departments(db, clerk, read_table(good, "d.csv"))
    assert (report.created, report.updated) == (2, 2)
    ids = _dep_ids(db)
    with db.uow(readonly=True) as uow:
        parent = dict(uow.session.execute(select(Department.code, Department.parent_id)).all())
    assert parent["N2"] == ids["N1"] and parent["N1"] == ids["D1"]
    # the settings page's use cases agree on single records
    assert org_services.create_department(db, clerk, code="P1", name="页面新建", parent_id=ids["D1"])
    from erp_core.kernel.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        org_services.create_department(db, clerk, code="P2", name="页面越权", parent_id=ids["D2"])
    with pytest.raises(PermissionDenied):
        org_services.create_department(db, clerk, code="P3", name="页面顶级", parent_id=None)


def test_company_wide_importer_is_not_limited(db, setup):
    _result, admin = setup
    report = imp.dry_run_departments(db, admin, read_table(_csv("code,name\nT1,顶级\n"), "d.csv"))
    assert report.ok and report.created == 1


def test_registered_kinds_include_locations_with_their_permissions():
    specs = import_kinds()
    assert specs["locations"].permission == "masterdata.warehouse.import_location"
    assert specs["locations"].export_permission == "masterdata.warehouse.export_location"
    assert specs["opening-balances"].params[0].name == "opening_date"
    assert specs["customers"].confirms_duplicates and not specs["locations"].confirms_duplicates


def test_cli_imports_and_exports_locations(db, setup, tmp_path, erp_cli):
    run = erp_cli
    path = tmp_path / "loc.csv"
    path.write_bytes(_csv("仓库编码,库位编码,库位名称\nWH1,K1,命令行库位\nWH9,K2,未知仓库\n"))
    bad = run("import", "locations", str(path))
    assert bad.exit_code == 1 and "Row 3" in bad.output and _count(db, WarehouseLocation) == 0
    path.write_bytes(_csv("仓库编码,库位编码,库位名称\nWH1,K1,命令行库位\nWH2,K1,同码\n"))
    assert run("import", "locations", str(path), "--dry-run").exit_code == 0
    assert _count(db, WarehouseLocation) == 0
    done = run("import", "locations", str(path))
    assert done.exit_code == 0 and "2 created" in done.output
    out = tmp_path / "l.csv"
    assert run("export", "locations", "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "WH1,K1,命令行库位" in text and "WH2,K1,同码" in text
