"""Import and export of departments, projects and warehouses: upsert by code, department parents by code
(also later in the same file), all-or-nothing with every problem listed, templates, CLI kinds."""

import pytest
from sqlalchemy import func, select

from erp_core.cli.cmd_io import IMPORT_KINDS
from erp_core.io import export_queries as ex
from erp_core.io import import_services as imp
from erp_core.io.importer import ImportFailed, kinds, read_table
from erp_core.masterdata.models import Department, Project
from erp_core.masterdata.models_warehouse import Warehouse
from erp_core.security.models import AuditLog
from tests.support.factories import admin_actor


def _csv(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


class _Rec:
    def __init__(self, mapping):
        self.__dict__.update(mapping)


def _rows(db, model):
    with db.uow(readonly=True) as uow:
        return {r.code: _Rec(r._mapping) for r in uow.session.execute(select(*model.__table__.c))}


def _count(db, model):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def test_new_kinds_are_listed_for_cli_and_page():
    for name in ("departments", "projects", "warehouses"):
        assert name in kinds() and name in IMPORT_KINDS
        assert name in imp.DRY_RUNS and name in imp.COMMITS and name in ex.EXPORTS and name in ex.TEMPLATES


def test_departments_with_parents_later_in_file_then_reimport_updates(db, admin):
    data = _csv("编码,名称,上级部门\nD11,华南销售,D1\nD1,销售部,\nD2,财务部,\n")
    report = imp.import_departments(db, admin, read_table(data, "d.csv"))
    assert (report.created, report.updated, report.committed) == (3, 0, True)
    deps = _rows(db, Department)
    assert deps["D11"].parent_id == deps["D1"].id and deps["D1"].parent_id is None
    assert all(d.active for d in deps.values())
    # re-import: rename, move D11 under D2, deactivate D2's sibling; columns not in the file stay
    again = _csv("code,name,parent,active\nD11,华南销售二部,D2,\nD1,销售中心,,否\n")
    report = imp.import_departments(db, admin, read_table(again, "d.csv"))
    assert (report.created, report.updated) == (0, 2)
    deps = _rows(db, Department)
    assert deps["D11"].name == "华南销售二部" and deps["D11"].parent_id == deps["D2"].id
    assert deps["D1"].name == "销售中心" and deps["D1"].active is False and deps["D11"].version == 2
    with db.uow(readonly=True) as uow:
        audits = uow.session.execute(select(AuditLog).where(AuditLog.entity == "department_import")).scalars().all()
    assert len(audits) == 2


def test_bad_department_file_lists_every_problem_and_writes_nothing(db, admin):
    imp.import_departments(db, admin, read_table(_csv("code,name\nA,甲\n"), "d.csv"))
    before = _count(db, Department)
    bad = _csv("code,name,parent\nB,,\nC,丙,NOPE\nC,丙二,\nX,循环一,Y\nY,循环二,X\n")
    report = imp.dry_run_departments(db, admin, read_table(bad, "d.csv"))
    assert not report.ok
    found = {(p.row, p.message_id) for p in report.problems}
    assert {(6, "error.settings.department.cycle"), (5, "error.settings.department.cycle")} <= found
    report = imp.dry_run_departments(db, admin, read_table(_csv("code,name,parent\nB,,\nC,丙,NOPE\nC,丙二,\n"),
                                                                "d.csv"))
    assert {(p.row, p.message_id) for p in report.problems} == {
        (2, "error.required"), (3, "error.masterdata.unknown_ref"), (4, "error.import.duplicate_in_file")}
    with pytest.raises(ImportFailed) as exc:
        imp.import_departments(db, admin, read_table(bad, "d.csv"))
    assert exc.value.report.problems
    assert _count(db, Department) == before


def test_projects_reference_departments_and_check_dates(db, admin):
    imp.import_departments(db, admin, read_table(_csv("code,name\nD1,销售部\n"), "d.csv"))
    good = _csv("项目编码,项目名称,部门,开始日期,结束日期\nP1,门店改造,D1,2026/3/1,2026-06-30\nP2,展会,,,\n")
    report = imp.import_projects(db, admin, read_table(good, "p.csv"))
    assert report.created == 2
    projects, deps = _rows(db, Project), _rows(db, Department)
    assert projects["P1"].department_id == deps["D1"].id and str(projects["P1"].start_date) == "2026-03-01"
    bad = _csv("code,name,department,start_date,end_date\nP3,甲,NOPE,2026-05-01,2026-04-01\n"
               "P4,乙,,not a date,\nP2,展会,,2026-09-01,2026-08-01\n")
    report = imp.dry_run_projects(db, admin, read_table(bad, "p.csv"))
    assert {(p.row, p.message_id) for p in report.problems} == {
        (2, "error.masterdata.unknown_ref"), (3, "error.import.date"), (4, "error.settings.date_order")}
    with pytest.raises(ImportFailed):
        imp.import_projects(db, admin, read_table(bad, "p.csv"))
    assert set(_rows(db, Project)) == {"P1", "P2"}
    # re-import updates P2 only in the columns given
    imp.import_projects(db, admin, read_table(_csv("code,name,end_date\nP2,展会二期,2026-12-31\n"), "p.csv"))
    p2 = _rows(db, Project)["P2"]
    assert p2.name == "展会二期" and str(p2.end_date) == "2026-12-31" and p2.start_date is None


def test_warehouses_import_export_round_trip(db, admin):
    data = _csv("仓库编码,仓库名称,地址,仓管员\nWH1,总仓,长沙市,王五\nWH2,=cmd|' /C calc'!A0,,\n")
    report = imp.import_warehouses(db, admin, read_table(data, "w.csv"))
    assert report.created == 2
    f = ex.export_warehouses(db, admin, fmt="xlsx", locale="en")
    assert f.rows == 2
    table = read_table(f.data, f.filename)
    report = imp.import_warehouses(db, admin, table)
    assert (report.created, report.updated) == (0, 2)
    whs = _rows(db, Warehouse)
    assert whs["WH1"].keeper == "王五" and whs["WH2"].name == "=cmd|' /C calc'!A0"
    too_long = _csv("code,name,keeper\nWH3,分仓," + "长" * 101 + "\n,无编码,\n")
    report = imp.dry_run_warehouses(db, admin, read_table(too_long, "w.csv"))
    assert {(p.row, p.message_id) for p in report.problems} == {(2, "error.too_long"), (3, "error.required")}


@pytest.mark.parametrize("name", ["departments", "projects", "warehouses"])
def test_templates_import_cleanly(db, admin, name):
    for fmt, locale in (("xlsx", "zh_CN"), ("csv", "en")):
        f = ex.TEMPLATES[name](db, admin, fmt=fmt, locale=locale)
        report = imp.DRY_RUNS[name](db, admin, read_table(f.data, f.filename))
        assert report.ok, [p.render("en") for p in report.problems]
        assert report.created == 1


def test_department_activity_rules_follow_the_settings_pages(db, admin):
    imp.import_departments(db, admin, read_table(_csv("code,name,parent\nD1,销售部,\nD11,华南,D1\n"), "d.csv"))
    # deactivating a parent whose child stays active is refused; an active child under an inactive parent too
    bad = _csv("code,name,active\nD1,销售部,否\n")
    report = imp.dry_run_departments(db, admin, read_table(bad, "d.csv"))
    assert [(p.row, p.message_id, p.params) for p in report.problems] == [
        (2, "error.settings.department.active_children", {"children": "D11"})]
    report = imp.dry_run_departments(db, admin, read_table(_csv("code,name,parent,active\nN1,新,D9,\n"
                                                                "D9,停用的上级,,否\n"), "d.csv"))
    assert [(p.row, p.message_id) for p in report.problems] == [
        (2, "error.settings.department.parent_inactive"), (3, "error.settings.department.active_children")]
    assert "D9" not in _rows(db, Department)
    # deactivating child and parent in one file is fine
    ok = imp.import_departments(db, admin, read_table(_csv("code,name,active\nD1,销售部,否\nD11,华南,否\n"),
                                                      "d.csv"))
    assert ok.updated == 2
    assert not any(d.active for d in _rows(db, Department).values())


def test_cli_imports_and_exports_warehouses(db, admin, tmp_path, erp_cli):
    run = erp_cli
    path = tmp_path / "wh.csv"
    path.write_bytes(_csv("仓库编码,仓库名称\nWH9,命令行仓库\nWH8,\n"))
    bad = run("import", "warehouses", str(path))
    assert bad.exit_code == 1 and "Row 3" in bad.output and _count(db, Warehouse) == 0
    path.write_bytes(_csv("仓库编码,仓库名称\nWH9,命令行仓库\n"))
    assert run("import", "warehouses", str(path), "--dry-run").exit_code == 0 and _count(db, Warehouse) == 0
    done = run("import", "warehouses", str(path))
    assert done.exit_code == 0 and "1 created" in done.output
    assert _rows(db, Warehouse)["WH9"].name == "命令行仓库"
    out = tmp_path / "w.csv"
    assert run("export", "warehouses", "--out", str(out)).exit_code == 0
    assert "WH9" in out.read_text(encoding="utf-8-sig")
