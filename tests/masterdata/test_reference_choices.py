"""What the pickers offer (issue #11 item 27): departments and salespeople of the company, code + name, active only,
narrowed by the row scope of the page's permission; the warehouse keeper picker offers the active employees."""

import pytest

from erp_core.masterdata import partners_queries as pq
from erp_core.masterdata.employees_services import create_employee, set_employee_active
from erp_core.masterdata.org_services import create_department, deactivate_department
from erp_core.masterdata.warehouse_queries import keeper_choices
from erp_core.security.models import User
from tests.support.factories import actor, admin_actor


@pytest.fixture
def world(db, company):
    admin = admin_actor(db, company)
    n = create_department(db, admin, code="N", name="北区", parent_id=None)
    create_department(db, admin, code="S", name="南区", parent_id=None)
    old = create_department(db, admin, code="X", name="撤销部门", parent_id=None)
    deactivate_department(db, admin, department_id=old, version=1)
    return company, admin, n


def test_departments_and_users_for_an_actor_of_scope_all(db, world):
    company, admin, _n = world
    assert pq.customer_references(db, admin, ref="department") == [{"code": "N", "name": "北区"},
                                                                     {"code": "S", "name": "南区"}]
    users = pq.customer_references(db, admin, ref="user")
    assert admin.username in [u["code"] for u in users]
    with pytest.raises(ValueError):
        pq.customer_references(db, admin, ref="warehouse")  # not a reference of customers


def test_department_scope_narrows_departments_and_people(db, world):
    company, admin, n = world
    with db.uow() as uow:
        uow.session.add(User(company_id=company.company_id, username="n.sales", display_name="北区业务",
                             department_id=n, password_hash="x", status="active"))
        uow.session.add(User(company_id=company.company_id, username="other", display_name="别人",
                             password_hash="x", status="active"))
        uow.commit()
    clerk = actor(company.company_id, {"masterdata.customer.view": "department"}, username="clerk",
                  department_ids=frozenset({n}))
    assert pq.customer_references(db, clerk, ref="department") == [{"code": "N", "name": "北区"}]
    assert [u["code"] for u in pq.customer_references(db, clerk, ref="user")] == ["n.sales"]
    own = actor(company.company_id, {"masterdata.customer.view": "own"})
    assert pq.customer_references(db, own, ref="user") == []  # a user id outside the store: nobody to pick


def test_keeper_choices_are_the_active_employees(db, world):
    company, admin, _n = world
    create_employee(db, admin, values={"code": "E1", "name": "王五"})
    gone = create_employee(db, admin, values={"code": "E2", "name": "离职者"})
    set_employee_active(db, admin, employee_id=gone, version=1, active=False)
    viewer = actor(company.company_id, {"masterdata.warehouse.view": "department"})
    assert keeper_choices(db, viewer) == [{"code": "E1", "name": "王五"}]
