"""Department-scoped viewers never see the whole company's figures (issue 11 item 10).

Reads whose numbers are company totals no row scope can narrow (the period-close checklist: the period's result,
VAT, surcharges; stock against the 1405 ledger balance; bank reconciliation) refuse a grant narrower than the
company. Reads that list records (the voucher-entry dimension pickers, the budget form's departments and projects)
narrow to what the grant's scope reaches, like the records' own lists."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.finance.budget_queries import budget_choices
from erp_core.finance.close_queries import close_checklist
from erp_core.finance.queries import dimension_choices
from erp_core.inventory.queries import stock_vs_ledger
from erp_core.kernel.errors import PermissionDenied
from erp_core.masterdata import partners_services
from erp_core.masterdata.employees_services import create_employee
from erp_core.masterdata.org_services import create_department, create_project
from tests.finance.support import line
from tests.finance_close.support import post
from tests.support.factories import actor, admin_actor


@pytest.fixture
def org(db, company):
    """Two departments, each with a customer, a supplier, an employee and a project; a posted sale."""
    admin = admin_actor(db, company)
    n = create_department(db, admin, code="SALES-N", name="北区销售部")
    s = create_department(db, admin, code="SALES-S", name="南区销售部")
    for code, dep, city in (("N", "SALES-N", "长沙星辰贸易"), ("S", "SALES-S", "株洲宏远机械")):
        partners_services.create_customer(db, admin, values={"code": f"C{code}", "name": f"{city}有限公司",
                                                             "department": dep})
        partners_services.create_supplier(db, admin, values={"code": f"V{code}", "name": f"{city}供应站",
                                                             "department": dep})
        create_employee(db, admin, values={"code": f"E{code}", "name": f"{code}职员", "department": dep})
    create_project(db, admin, code="PN", name="北区项目", department_id=n)
    create_project(db, admin, code="PS", name="南区项目", department_id=s)
    post(db, company.company_id, [line("1002", debit="113"), line("5001", credit="100"),
                                  line("22210102", credit="13")], dt.date(2026, 11, 8))
    return {"north": n, "south": s}


def _north(company_id, org, *perms):
    return actor(company_id, {p: "department" for p in perms}, department_ids=frozenset({org["north"]}))


@pytest.mark.parametrize(("call", "perm"), [
    pytest.param(lambda db, who: close_checklist(db, who, period="2026-11"), "finance.period.view",
                 id="close_checklist"),
    pytest.param(lambda db, who: stock_vs_ledger(db, who), "inventory.reconciliation.view", id="stock_vs_ledger"),
])
def test_company_totals_refuse_a_department_grant(db, company, org, call, perm):
    with pytest.raises(PermissionDenied) as err:
        call(db, _north(company.company_id, org, perm))
    assert err.value.message_id == "error.scope.company_wide"
    assert err.value.params["permission"] == perm
    for scope in ("own", "project"):
        with pytest.raises(PermissionDenied):
            call(db, actor(company.company_id, {perm: scope}))
    call(db, actor(company.company_id, {perm: "all"}))  # the whole company's grant still reads them


def test_the_checklist_shows_company_figures_to_a_company_grant(db, company, org):
    checklist = close_checklist(db, actor(company.company_id, {"finance.period.view": "all"}), period="2026-11")
    assert {i.key for i in checklist.items} >= {"vat", "carry_forward"}


def test_dimension_choices_follow_the_row_scope(db, company, org):
    cid = company.company_id
    whole = dimension_choices(db, actor(cid, {"finance.voucher.view": "all"}))
    assert {v.split()[0] for v in whole["customer_id"].values()} == {"CN", "CS"}
    north = dimension_choices(db, _north(cid, org, "finance.voucher.view"))
    assert {v.split()[0] for v in north["customer_id"].values()} == {"CN"}
    assert {v.split()[0] for v in north["supplier_id"].values()} == {"VN"}
    assert {v.split()[0] for v in north["employee_id"].values()} == {"EN"}
    assert {v.split()[0] for v in north["department_id"].values()} == {"SALES-N"}
    assert {v.split()[0] for v in north["project_id"].values()} == {"PN"}
    assert north["product_id"] == whole["product_id"]  # products: the company's reference data
    own = dimension_choices(db, actor(cid, {"finance.voucher.view": "own"}))
    assert own["customer_id"] == own["employee_id"] == own["department_id"] == {}


def test_budget_form_choices_follow_the_row_scope(db, company, org):
    cid = company.company_id
    whole = budget_choices(db, actor(cid, {"finance.budget.view": "all"}))
    assert {v.split()[0] for v in whole.departments.values()} == {"SALES-N", "SALES-S"}
    north = budget_choices(db, _north(cid, org, "finance.budget.view"))
    assert {v.split()[0] for v in north.departments.values()} == {"SALES-N"}
    assert {v.split()[0] for v in north.projects.values()} == {"PN"}
    assert north.accounts == whole.accounts
