"""Issue #11 item 14: a NUL byte crashed saving on PostgreSQL (psycopg DataError) and was stored silently on SQLite.
Control characters are refused in every master-data text field, typed into a form or imported, with an error that
names the field; nothing is written. Tab and line breaks only where a field takes several lines (addresses,
a custom field's choice list). Storage tests: run on every configured backend."""

import pytest
from sqlalchemy import func, select

from erp_core.io import import_services as imp
from erp_core.io.importer import Table
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.masterdata import custom_fields_services as cfs
from erp_core.masterdata import employees_services as es
from erp_core.masterdata import org_services, warehouse_services
from erp_core.masterdata import partners_services as ps
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_partners import Customer, PartnerContact
from erp_core.masterdata.models_warehouse import Warehouse
from tests.support.factories import admin_actor


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def _count(db, model):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def _errors(exc) -> list[tuple[str, str]]:
    errs = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return [(e.message_id, e.params.get("field")) for e in errs]


@pytest.mark.parametrize("bad", ["甲\x00乙", "甲\x1b[31m乙", "甲\x7f", "甲\u202e乙", "甲\n乙", "甲\t乙"])
def test_customer_form_refuses_control_characters_in_a_name(db, admin, bad):
    with pytest.raises((ValidationErrors, ValidationError)) as caught:
        ps.create_customer(db, admin, values={"code": "C1", "name": bad})
    assert _errors(caught.value) == [("error.text.control_char", "field.masterdata.name")]
    assert _count(db, Customer) == 0


def test_multi_line_address_keeps_its_line_breaks_but_not_a_nul(db, admin):
    cid = ps.create_customer(db, admin, values={"code": "C1", "name": "甲", "address": "长沙市\n岳麓区 1 号"})
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Customer, cid).address == "长沙市\n岳麓区 1 号"
    with pytest.raises((ValidationErrors, ValidationError)) as caught:
        ps.edit_customer(db, admin, customer_id=cid, version=1, values={"address": "长沙市\x00"})
    assert _errors(caught.value) == [("error.text.control_char", "field.masterdata.address")]
    with pytest.raises((ValidationErrors, ValidationError)):
        ps.add_customer_contact(db, admin, customer_id=cid, values={"name": "王\x00经理"})
    assert _count(db, PartnerContact) == 0


def test_email_with_a_nul_is_refused(db, admin):
    with pytest.raises((ValidationErrors, ValidationError)) as caught:
        ps.create_customer(db, admin, values={"code": "C1", "name": "甲", "email": "a\x00b@example.com"})
    assert _errors(caught.value) == [("error.import.email", "field.masterdata.email")]


def test_settings_style_forms_refuse_control_characters(db, admin):
    """Departments, warehouses (org_services / warehouse_services validate through settings.common.clean_text)."""
    with pytest.raises((ValidationErrors, ValidationError)) as caught:
        org_services.create_department(db, admin, code="D1", name="销售\x00部")
    assert ("error.text.control_char", "field.settings.department.name") in _errors(caught.value)
    assert _count(db, Department) == 0
    with pytest.raises((ValidationErrors, ValidationError)) as caught:
        warehouse_services.create_warehouse(db, admin, code="W1", name="总仓", keeper="王\x00五")
    assert ("error.text.control_char", "field.settings.warehouse.keeper") in _errors(caught.value)
    wid = warehouse_services.create_warehouse(db, admin, code="W1", name="总仓", address="长沙\n岳麓区")
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Warehouse, wid).address == "长沙\n岳麓区"


def test_custom_field_values_and_employee_names(db, admin):
    cfs.define_field(db, admin, values={"entity": "customer", "key": "memo", "label_zh": "备注", "label_en": "Memo",
                                        "field_type": "text"})
    with pytest.raises((ValidationErrors, ValidationError)) as caught:
        ps.create_customer(db, admin, values={"code": "C1", "name": "甲"}, custom={"memo": "x\x00y"})
    assert [m for m, _f in _errors(caught.value)] == ["error.text.control_char"]
    with pytest.raises((ValidationErrors, ValidationError)):
        es.create_employee(db, admin, values={"code": "E1", "name": "张\x00三"})
    assert _count(db, Customer) == 0


def test_an_import_table_built_without_read_table_is_refused_row_by_row(db, admin):
    """Integrations may hand the import use case a Table directly: the field parsers refuse the NUL (before, the
    commit crashed with psycopg's DataError on PostgreSQL and stored the NUL on SQLite)."""
    table = Table(["code", "name", "address"], [["C1", "甲", "长沙\n岳麓"], ["C2", "乙\x00丙", ""]], "api")
    report = imp.dry_run_customers(db, admin, table)
    assert [(p.row, p.column, p.message_id, p.params) for p in report.problems] == [
        (3, "name", "error.text.control_char", {"char": "U+0000"})]
    assert "<U+0000>" in report.problems[0].render("zh_CN")  # echoed visibly, not as a raw NUL
    with pytest.raises(imp.importer.ImportFailed):
        imp.import_customers(db, admin, table)
    assert _count(db, Customer) == 0
