"""Departments (tree rules, row scope), projects and warehouses with locations."""

import datetime as dt

import pytest

from erp_core.kernel.errors import (
    ConcurrencyError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from erp_core.masterdata import org_queries, warehouse_queries
from erp_core.masterdata.models import Department, Project
from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation
from erp_core.masterdata.org_services import (
    activate_department,
    create_department,
    create_project,
    deactivate_department,
    deactivate_project,
    edit_department,
    edit_project,
)
from erp_core.masterdata.warehouse_services import (
    create_location,
    create_warehouse,
    deactivate_warehouse,
    edit_location,
    edit_warehouse,
)
from tests.settings.conftest import audit_count, count
from tests.support.factories import actor

D = dt.date


def _version(db, model, obj_id):
    with db.uow(readonly=True) as uow:
        return uow.session.get(model, obj_id).version


@pytest.fixture
def tree(db, admin):
    """HQ > SALES > (EAST, WEST); HQ > FIN."""
    ids = {"HQ": create_department(db, admin, code="HQ", name="总部")}
    ids["SALES"] = create_department(db, admin, code="SALES", name="销售部", parent_id=ids["HQ"])
    ids["FIN"] = create_department(db, admin, code="FIN", name="财务部", parent_id=ids["HQ"])
    ids["EAST"] = create_department(db, admin, code="EAST", name="华东区", parent_id=ids["SALES"])
    ids["WEST"] = create_department(db, admin, code="WEST", name="华西区", parent_id=ids["SALES"])
    return ids


def test_department_tree_order_and_depth(db, admin, tree):
    rows = org_queries.department_tree(db, admin)
    assert [(r["code"], r["depth"]) for r in rows] == [
        ("HQ", 0), ("FIN", 1), ("SALES", 1), ("EAST", 2), ("WEST", 2)]
    page = org_queries.list_departments(db, admin, search="区", sort="code", descending=True)
    assert [r["code"] for r in page.rows] == ["WEST", "EAST"] and page.rows[0]["parent_code"] == "SALES"
    page = org_queries.list_departments(db, admin, page=2, page_size=2)
    assert page.total == 5 and [r["code"] for r in page.rows] == ["HQ", "SALES"]


def test_no_cycles_and_parent_must_exist(db, admin, tree):
    for parent in (tree["SALES"], tree["EAST"]):  # itself, or its own descendant
        with pytest.raises(ValidationError) as err:
            edit_department(db, admin, department_id=tree["SALES"], version=_version(db, Department, tree["SALES"]),
                            code="SALES", name="销售部", parent_id=parent)
        assert err.value.message_id == "error.settings.department.cycle"
    with pytest.raises(ValidationError) as err:
        create_department(db, admin, code="X", name="X", parent_id=999_999)
    assert err.value.field == "field.settings.department.parent"
    # moving a subtree elsewhere is fine
    edit_department(db, admin, department_id=tree["EAST"], version=_version(db, Department, tree["EAST"]),
                    code="EAST", name="华东区", parent_id=tree["FIN"])


def test_parent_from_another_company_is_refused(db, admin, tree):
    # a second company in the same database cannot be made through setup (it runs once), so use raw rows
    with db.uow() as uow:
        from erp_core.masterdata.models import Company

        other = Company(name="其他公司", tax_id="91330100MA27XL0J9A")
        uow.session.add(other)
        uow.session.flush()
        foreign = Department(company_id=other.id, code="F", name="外部")
        uow.session.add(foreign)
        uow.session.commit()
        foreign_id = foreign.id
    with pytest.raises(ValidationError) as err:
        create_department(db, admin, code="Y", name="Y", parent_id=foreign_id)
    assert err.value.message_id == "error.settings.department.parent_missing"
    with pytest.raises(NotFound):
        edit_department(db, admin, department_id=foreign_id, version=1, code="F", name="x")
    assert all(r["code"] != "F" for r in org_queries.department_tree(db, admin))


def test_unique_code_and_bad_input_write_nothing(db, admin, tree):
    before, audits = count(db, Department), audit_count(db)
    with pytest.raises(ValidationErrors) as err:
        create_department(db, admin, code="SALES", name="")
    assert {e.field for e in err.value.errors} == {"field.settings.department.code", "field.settings.department.name"}
    with pytest.raises(ValidationError):
        create_department(db, admin, code="A B", name="x")
    assert count(db, Department) == before and audit_count(db) == audits


def test_deactivate_refused_while_active_children(db, admin, tree):
    with pytest.raises(Conflict) as err:
        deactivate_department(db, admin, department_id=tree["SALES"], version=_version(db, Department, tree["SALES"]))
    assert err.value.params["children"] == "EAST, WEST"
    for code in ("EAST", "WEST"):
        deactivate_department(db, admin, department_id=tree[code], version=_version(db, Department, tree[code]))
    deactivate_department(db, admin, department_id=tree["SALES"], version=_version(db, Department, tree["SALES"]))
    with pytest.raises(Conflict):  # a child cannot come back under an inactive parent
        activate_department(db, admin, department_id=tree["EAST"], version=_version(db, Department, tree["EAST"]))
    with pytest.raises(ValidationError):  # nor can a new one be created under it
        create_department(db, admin, code="NORTH", name="华北区", parent_id=tree["SALES"])
    active = org_queries.list_departments(db, admin, active=True)
    assert {r["code"] for r in active.rows} == {"HQ", "FIN"}


def test_stale_department_edit_is_refused(db, admin, tree):
    v = _version(db, Department, tree["FIN"])
    edit_department(db, admin, department_id=tree["FIN"], version=v, code="FIN", name="财务中心", parent_id=tree["HQ"])
    with pytest.raises(ConcurrencyError):
        edit_department(db, admin, department_id=tree["FIN"], version=v, code="FIN", name="财务部",
                        parent_id=tree["HQ"])


def test_department_scope(db, admin, company, tree):
    scoped_actor = actor(company.company_id, {p: "department" for p in (
        "masterdata.department.view", "masterdata.department.edit", "masterdata.department.create",
        "masterdata.project.view", "masterdata.project.create")},
        department_ids=frozenset({tree["SALES"], tree["EAST"], tree["WEST"]}))
    rows = org_queries.department_tree(db, scoped_actor)
    assert [(r["code"], r["depth"]) for r in rows] == [("SALES", 0), ("EAST", 1), ("WEST", 1)]
    with pytest.raises(PermissionDenied):
        edit_department(db, scoped_actor, department_id=tree["FIN"], version=_version(db, Department, tree["FIN"]),
                        code="FIN", name="x", parent_id=tree["HQ"])
    with pytest.raises(PermissionDenied):  # a new top-level department needs company-wide scope
        create_department(db, scoped_actor, code="TOP", name="顶级")
    create_department(db, scoped_actor, code="SOUTH", name="华南区", parent_id=tree["SALES"])
    p_sales = create_project(db, admin, code="P1", name="华东项目", department_id=tree["EAST"])
    create_project(db, admin, code="P2", name="财务项目", department_id=tree["FIN"])
    assert [r["id"] for r in org_queries.list_projects(db, scoped_actor).rows] == [p_sales]
    with pytest.raises(PermissionDenied):
        create_project(db, scoped_actor, code="P3", name="x", department_id=tree["FIN"])


def test_projects_lifecycle_and_validation(db, admin, tree):
    pid = create_project(db, admin, code="PRJ-001", name="新厂房建设", department_id=tree["FIN"],
                         start_date=D(2026, 1, 1), end_date="2026-12-31")
    with pytest.raises(ValidationErrors) as err:
        create_project(db, admin, code="PRJ-001", name="", department_id=123456, start_date=D(2026, 5, 1),
                       end_date=D(2026, 4, 1))
    assert {e.field for e in err.value.errors} == {f"field.settings.project.{f}" for f in (
        "code", "name", "department", "end_date")}
    edit_project(db, admin, project_id=pid, version=1, code="PRJ-001", name="新厂房一期", department_id=tree["HQ"],
                 start_date=D(2026, 1, 1), end_date=None)
    deactivate_project(db, admin, project_id=pid, version=2)
    page = org_queries.list_projects(db, admin, search="厂房")
    row = page.rows[0]
    assert (row["name"], row["department_name"], row["end_date"], row["active"]) == ("新厂房一期", "总部", None, False)
    assert org_queries.list_projects(db, admin, active=True).total == 0
    assert count(db, Project) == 1


def test_warehouses_and_locations(db, admin):
    wid = create_warehouse(db, admin, code="WH01", name="原料仓", address="杭州市余杭区", keeper="张三")
    with pytest.raises(ValidationErrors) as err:
        create_warehouse(db, admin, code="WH01", name=" ", keeper="k" * 101)
    assert {e.field for e in err.value.errors} == {"field.settings.warehouse.code", "field.settings.warehouse.name",
                                                    "field.settings.warehouse.keeper"}
    a1 = create_location(db, admin, warehouse_id=wid, code="A-01", name="A区1号架")
    with pytest.raises(ValidationError) as err:
        create_location(db, admin, warehouse_id=wid, code="A-01", name="dup")
    assert err.value.field == "field.settings.location.code"
    wid2 = create_warehouse(db, admin, code="WH02", name="成品仓")
    create_location(db, admin, warehouse_id=wid2, code="A-01", name="同编码不同仓库")  # unique per warehouse only
    edit_location(db, admin, location_id=a1, version=1, code="A-01", name="A区1号架", active=False)
    assert [x["active"] for x in warehouse_queries.list_locations(db, admin, warehouse_id=wid)] == [False]
    edit_warehouse(db, admin, warehouse_id=wid, version=1, code="WH01", name="原材料仓", address=None, keeper="李四")
    deactivate_warehouse(db, admin, warehouse_id=wid, version=2)
    with pytest.raises(Conflict):
        create_location(db, admin, warehouse_id=wid, code="B-01", name="x")
    page = warehouse_queries.list_warehouses(db, admin, search="李四")
    assert page.total == 1 and page.rows[0]["locations"] == 1 and not page.rows[0]["active"]
    assert warehouse_queries.list_warehouses(db, admin, active=True).total == 1
    assert count(db, Warehouse) == 2 and count(db, WarehouseLocation) == 2


def test_warehouse_permissions(db, company):
    viewer = actor(company.company_id, {"masterdata.warehouse.view": "all"})
    assert warehouse_queries.list_warehouses(db, viewer).total == 0
    with pytest.raises(PermissionDenied):
        create_warehouse(db, viewer, code="X", name="x")



def test_a_duplicate_that_slips_past_the_check_is_a_conflict(db, admin, monkeypatch):
    """Two users saving the same code at once both pass the friendly check; the unique constraint decides, and
    the loser gets a Conflict (nothing written), not a database error."""
    from erp_core.masterdata import org_services, warehouse_services

    create_department(db, admin, code="RACE", name="先到")
    monkeypatch.setattr(org_services, "_code_taken", lambda *a, **k: False)
    before = count(db, Department)
    with pytest.raises(Conflict) as err:
        create_department(db, admin, code="RACE", name="后到")
    assert err.value.message_id == "error.settings.concurrent_duplicate"
    assert count(db, Department) == before
    wid = create_warehouse(db, admin, code="W-RACE", name="仓")
    other = create_warehouse(db, admin, code="W-OTHER", name="仓2")
    monkeypatch.setattr(warehouse_services, "_warehouse_values",
                        lambda ctx, p, **kw: {"code": "W-RACE", "name": "仓2", "address": None, "keeper": None})
    with pytest.raises(Conflict):
        edit_warehouse(db, admin, warehouse_id=other, version=1, code="W-RACE", name="仓2")
    assert wid != other
