"""Master records: create / edit / deactivate, bad input, duplicates, row scope, lists."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.kernel.errors import ConcurrencyError, PermissionDenied, ValidationErrors
from erp_core.masterdata import employees_queries as eq
from erp_core.masterdata import employees_services as es
from erp_core.masterdata import items_queries as iq
from erp_core.masterdata import items_services as isv
from erp_core.masterdata import partners_queries as pq
from erp_core.masterdata import partners_services as ps
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_employees import Employee
from erp_core.masterdata.models_items import Product, ProductCategory
from erp_core.masterdata.models_partners import Customer, Supplier
from erp_core.masterdata.partners import normalize_name
from erp_core.masterdata.records import DuplicateWarning
from erp_core.security.models import AuditLog
from tests.support.factories import actor, admin_actor


def _count(db, model, *where):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _department(db, company_id, code):
    with db.uow() as uow:
        d = Department(company_id=company_id, code=code, name=code)
        uow.session.add(d)
        uow.session.flush()
        uow.commit()
        return d.id


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def test_product_create_edit_deactivate(db, admin):
    isv.create_category(db, admin, values={"code": "A", "name": "原料"})
    pid = isv.create_product(db, admin, values={
        "code": "P001", "name": "螺丝", "unit": "PCS", "category": "A", "tax_rate": "VAT13",
        "reorder_point": "10.5", "reorder_quantity": "100", "costing_method": "先进先出"})
    p = iq.get_product(db, admin, product_id=pid)
    assert p["category"] == "A" and p["costing_method"] == "fifo" and p["kind"] == "product"
    assert p["reorder_point"] == Decimal("10.5") and p["active"] is True
    isv.edit_product(db, admin, product_id=pid, version=p["version"], values={"name": "十字螺丝", "kind": "服务"})
    p2 = iq.get_product(db, admin, product_id=pid)
    assert p2["name"] == "十字螺丝" and p2["kind"] == "service" and p2["unit"] == "PCS"
    with pytest.raises(ConcurrencyError):  # the form loaded an old version
        isv.edit_product(db, admin, product_id=pid, version=p["version"], values={"name": "x"})
    isv.set_product_active(db, admin, product_id=pid, version=p2["version"], active=False)
    assert iq.list_products(db, admin, active=True).total == 0
    assert iq.list_products(db, admin, active=False).rows[0]["code"] == "P001"


@pytest.mark.parametrize("create, values, fields", [
    (isv.create_product, {"code": "有 空格", "name": "", "reorder_point": "-1", "costing_method": "lifo",
                          "category": "NOPE"},
     {"field.masterdata.code", "field.masterdata.name", "field.masterdata.reorder_point",
      "field.masterdata.costing_method", "field.masterdata.category"}),
    (ps.create_customer, {"code": "", "name": "x" * 201, "email": "no-at", "credit_limit": "1.234",
                          "payment_terms_days": "-3", "department": "ZZ"},
     {"field.masterdata.code", "field.masterdata.name", "field.masterdata.email", "field.masterdata.credit_limit",
      "field.masterdata.payment_terms_days", "field.masterdata.department"}),
    (ps.create_supplier, {"code": "S1", "name": "供应商", "phone": "abc", "tax_id": "123", "owner": "ghost"},
     {"field.masterdata.phone", "field.masterdata.tax_id", "field.masterdata.buyer"}),
    (es.create_employee, {"code": "E1", "name": "", "hire_date": "2026-13-01", "email": "x@"},
     {"field.masterdata.person_name", "field.masterdata.hire_date", "field.masterdata.email"}),
    (isv.create_category, {"code": "", "name": "n" * 201, "parent": "NOPE"},
     {"field.masterdata.code", "field.masterdata.name", "field.masterdata.parent_category"}),
])
def test_bad_input_names_every_field_and_writes_nothing(db, admin, create, values, fields):
    audit_before = _count(db, AuditLog)
    with pytest.raises(ValidationErrors) as err:
        create(db, admin, values=values)
    assert {e.field for e in err.value.errors} == fields
    for model in (Product, Customer, Supplier, Employee, ProductCategory):
        assert _count(db, model) == 0
    assert _count(db, AuditLog) == audit_before


def test_duplicate_code_is_refused(db, admin):
    ps.create_customer(db, admin, values={"code": "C1", "name": "甲"})
    with pytest.raises(ValidationErrors) as err:
        ps.create_customer(db, admin, values={"code": "C1", "name": "乙"})
    assert err.value.errors[0].message_id == "error.masterdata.code_taken"


def test_name_normalization():
    assert normalize_name("长沙星辰贸易有限公司") == normalize_name("长沙 星辰贸易") == "长沙星辰贸易"
    assert normalize_name("ＡＢＣ Trading Co., Ltd.") == normalize_name("abc trading")
    assert normalize_name("长沙星辰") != normalize_name("星辰贸易")


def test_duplicates_warn_and_need_confirmation(db, admin):
    ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司", "phone": "+86 138-0000-1111",
                                          "tax_id": "91430100MA4L08K3QX"})
    for values in ({"code": "C2", "name": "长沙星辰贸易"}, {"code": "C2", "name": "别名", "phone": "13800001111"},
                   {"code": "C2", "name": "别名", "tax_id": "91430100ma4l08k3qx"}):
        with pytest.raises(DuplicateWarning) as warn:
            ps.create_customer(db, admin, values=values)
        assert [m["code"] for m in warn.value.matches] == ["C1"]
        assert _count(db, Customer) == 1
    assert pq.customer_duplicates(db, admin, values={"name": "长沙星辰贸易股份有限公司"})[0]["reasons"] == ["name"]
    ps.create_customer(db, admin, values={"code": "C2", "name": "长沙星辰贸易"}, confirm_duplicates=True)
    assert _count(db, Customer) == 2


def test_department_scope_limits_lists_and_edits(db, admin):
    d1, d2 = _department(db, admin.company_id, "D1"), _department(db, admin.company_id, "D2")
    ps.create_customer(db, admin, values={"code": "C1", "name": "一部客户", "department": "D1"})
    c2 = ps.create_customer(db, admin, values={"code": "C2", "name": "二部客户", "department": "D2"})
    sales = actor(admin.company_id, {p: "department" for p in (
        "masterdata.customer.view", "masterdata.customer.edit", "masterdata.customer.create")},
        department_ids=frozenset({d1}))
    assert [r["code"] for r in pq.list_customers(db, sales).rows] == ["C1"]
    with pytest.raises(PermissionDenied):
        pq.get_customer(db, sales, customer_id=c2)
    with pytest.raises(PermissionDenied):
        ps.edit_customer(db, sales, customer_id=c2, version=None, values={"name": "x"})
    with pytest.raises(PermissionDenied):  # cannot create outside its department either
        ps.create_customer(db, sales, values={"code": "C3", "name": "三", "department": "D2"})
    ps.create_customer(db, sales, values={"code": "C4", "name": "四", "department": "D1"})
    assert d2 and _count(db, Customer) == 3


def test_list_search_filter_sort_and_paging(db, admin):
    _department(db, admin.company_id, "D1")
    for i in range(12):
        ps.create_supplier(db, admin, values={"code": f"S{i:02d}", "name": f"供应商{i}",
                                              "department": "D1" if i % 2 else None,
                                              "credit_limit": str(i * 100)})
    page = pq.list_suppliers(db, admin, page=2, page_size=5)
    assert page.total == 12 and [r["code"] for r in page.rows] == ["S05", "S06", "S07", "S08", "S09"]
    assert pq.list_suppliers(db, admin, filters={"department": "D1"}).total == 6
    assert pq.list_suppliers(db, admin, search="供应商1").total == 3  # 1, 10, 11
    top = pq.list_suppliers(db, admin, sort="credit_limit", descending=True, page_size=1).rows[0]
    assert top["code"] == "S11" and top["credit_limit"] == Decimal("1100.00")
    assert pq.list_suppliers(db, admin, search="50%").total == 0  # wildcards are literal


def test_contacts_addresses_and_employee(db, admin):
    cid = ps.create_customer(db, admin, values={"code": "C1", "name": "甲"})
    ps.add_customer_contact(db, admin, customer_id=cid, values={"name": "王经理", "phone": "13800000000"})
    aid = ps.add_customer_address(db, admin, customer_id=cid, values={"address": "长沙市岳麓区"})
    with pytest.raises(ValidationErrors):
        ps.add_customer_contact(db, admin, customer_id=cid, values={"name": ""})
    detail = pq.get_customer(db, admin, customer_id=cid)
    assert [c["name"] for c in detail["contacts"]] == ["王经理"]
    assert detail["addresses"][0]["kind"] == "shipping"
    ps.remove_customer_address(db, admin, customer_id=cid, address_id=aid)
    assert pq.get_customer(db, admin, customer_id=cid)["addresses"] == []
    _department(db, admin.company_id, "HR")
    eid = es.create_employee(db, admin, values={"code": "E001", "name": "张三", "department": "HR",
                                                "hire_date": "2026年3月1日"})
    e = eq.get_employee(db, admin, employee_id=eid)
    assert e["department"] == "HR" and str(e["hire_date"]) == "2026-03-01"


def test_unparseable_filter_is_a_validation_error(db, admin):
    with pytest.raises(ValidationErrors) as err:
        pq.list_customers(db, admin, filters={"credit_limit": "abc"})
    assert err.value.errors[0].field == "field.masterdata.credit_limit"


def test_category_cannot_move_under_its_own_descendant(db, admin):
    top = isv.create_category(db, admin, values={"code": "A", "name": "甲"})
    isv.create_category(db, admin, values={"code": "B", "name": "乙", "parent": "A"})
    with pytest.raises(ValidationErrors) as err:
        isv.edit_category(db, admin, category_id=top, version=None, values={"parent": "B"})
    assert err.value.errors[0].message_id == "error.masterdata.category_cycle"


def test_a_duplicate_code_that_slips_past_the_check_is_a_conflict(db, admin, monkeypatch):
    from erp_core.kernel.errors import Conflict
    from erp_core.masterdata import records

    ps.create_customer(db, admin, values={"code": "RACE", "name": "先到"})
    monkeypatch.setattr(records, "_code_taken", lambda *a, **k: False)
    with pytest.raises(Conflict) as err:
        ps.create_customer(db, admin, values={"code": "RACE", "name": "后到"}, confirm_duplicates=True)
    assert err.value.message_id == "error.masterdata.concurrent_duplicate"
    assert _count(db, Customer) == 1
