"""The settings and organisation pages in Streamlit AppTest, logged in as the administrator (SQLite)."""

from __future__ import annotations

import pytest

from erp_core.masterdata.models import Department
from erp_core.masterdata.org_services import create_department
from erp_core.settings.models import TaxRate
from tests.settings.conftest import count
from tests.support.factories import admin_actor
from tests.ui.harness import choose_section, texts

PAGES = {
    "pages/settings/company.py": "公司设置",
    "pages/settings/tax_rates.py": "税率",
    "pages/settings/currencies.py": "币种与汇率",
    "pages/settings/units.py": "计量单位",
    "pages/masterdata/departments.py": "部门",
    "pages/masterdata/projects.py": "项目",
    "pages/masterdata/warehouses.py": "仓库与库位",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_for_the_administrator(admin_app, page):
    at = admin_app.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert not at.error, [e.value for e in at.error]


def test_seeded_tax_rates_are_listed(admin_app):
    at = admin_app.switch_page("pages/settings/tax_rates.py").run()
    table = at.dataframe[0].value
    assert "VAT13" in set(table.iloc[:, 0]) and len(table) == 13


def test_bad_tax_rate_names_the_fields_and_writes_nothing(admin_app, ui_db):
    at = admin_app.switch_page("pages/settings/tax_rates.py").run()
    before = count(ui_db, TaxRate)
    at.text_input(key="tx_new_code").input("")
    at.text_input(key="tx_new_rate").input("abc")
    at.button(key="tx_add_submit").click()
    at = at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "税率编码" in errors and "中文名称" in errors and "税率" in errors
    assert count(ui_db, TaxRate) == before


def test_add_tax_rate_through_the_form(admin_app, ui_db):
    at = admin_app.switch_page("pages/settings/tax_rates.py").run()
    at.text_input(key="tx_new_code").input("TEST8")
    at.text_input(key="tx_new_name_zh").input("测试 8%")
    at.text_input(key="tx_new_name_en").input("Test 8%")
    at.text_input(key="tx_new_rate").input("8")
    at.button(key="tx_add_submit").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "已保存" in texts(at)
    assert count(ui_db, TaxRate, code="TEST8") == 1


def test_create_department_and_refused_deactivation(admin_app, ui_db, ui_company):
    at = admin_app.switch_page("pages/masterdata/departments.py").run()
    at.text_input(key="dp_new_code").input("OPS")
    at.text_input(key="dp_new_name").input("运营部")
    at.button(key="dp_add_submit").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert count(ui_db, Department, code="OPS") == 1
    admin = admin_actor(ui_db, ui_company)
    with ui_db.uow(readonly=True) as uow:
        from sqlalchemy import select

        ops = uow.session.execute(select(Department.id).where(Department.code == "OPS")).scalar_one()
    create_department(ui_db, admin, code="OPS-1", name="运营一组", parent_id=ops)
    at = at.run()
    at.selectbox(key="dp_pick").set_value(ops)
    at = at.run()
    at.checkbox(key="dp_deactivate_ok").check()
    at = at.run()
    at.button(key="dp_deactivate").click()
    at = at.run()
    assert not at.exception
    assert any("OPS-1" in e.value for e in at.error), [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.get(Department, ops).active


def test_pages_in_english(ui_db, ui_company):
    from tests.support.factories import ADMIN_PASSWORD
    from tests.ui import harness

    password = harness.ready_user(ui_db, "admin", ADMIN_PASSWORD, locale="en")
    at = harness.logged_in_app(ui_db, "admin", password)
    at = at.switch_page("pages/settings/currencies.py").run()
    assert not at.exception
    assert at.title[0].value == "Currencies & rates"


def test_company_settings_form_saves_and_reports_bad_credit_code(admin_app, ui_db, ui_company):
    from erp_core.masterdata.models import Company

    at = admin_app.switch_page("pages/settings/company.py").run()
    at.text_input(key="sc_tax_id").input("91330100MA27XL0J9R")  # wrong check character
    at.text_input(key="sc_phone").input("0571-12345678")
    at.button(key="sc_submit").click()
    at = at.run()
    assert not at.exception
    assert any("统一社会信用代码" in e.value for e in at.error), [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        company = uow.session.get(Company, ui_company.company_id)
        assert company.phone is None and company.version == 1
    at.text_input(key="sc_tax_id").input("91330100MA27XL0J9A")
    at.button(key="sc_submit").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        company = uow.session.get(Company, ui_company.company_id)
        assert (company.phone, company.tax_id, company.version) == ("0571-12345678", "91330100MA27XL0J9A", 2)


def test_warehouse_with_location_through_the_page(admin_app, ui_db, ui_company):
    from erp_core.masterdata.models_warehouse import WarehouseLocation
    from erp_core.masterdata.warehouse_services import create_warehouse

    create_warehouse(ui_db, admin_actor(ui_db, ui_company), code="WH01", name="原料仓")
    at = admin_app.switch_page("pages/masterdata/warehouses.py").run()
    assert not at.exception
    assert "WH01" in set(at.dataframe[0].value.iloc[:, 0])
    at = choose_section(at, "wh_section", "locations")
    at.text_input(key="wl_new_code").input("A-01")
    at.text_input(key="wl_new_name").input("A区1号架")
    at.button(key="wl_add_submit").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert count(ui_db, WarehouseLocation, code="A-01") == 1
    at.text_input(key="wl_new_code").input("A-01")  # the same code again: refused, named
    at.text_input(key="wl_new_name").input("重复")
    at.button(key="wl_add_submit").click()
    at = at.run()
    assert any("库位编码" in e.value for e in at.error), [e.value for e in at.error]
    assert count(ui_db, WarehouseLocation) == 1


def test_department_scoped_viewer_sees_own_subtree_read_only(ui_db, ui_company):
    """孙查看 (viewer role: *.*.view at department scope, in 销售部) sees 销售部 and its sub-departments only,
    and no create/edit forms; tax rates are still visible in full."""
    from tests.ui import harness

    password = harness.ready_user(ui_db, "sun.chakan", ui_company.demo_passwords["sun.chakan"])
    at = harness.logged_in_app(ui_db, "sun.chakan", password)
    at = at.switch_page("pages/masterdata/departments.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "SALES-N" in shown and "SALES-S" in shown and "FIN" not in shown
    assert not [b for b in at.button if b.key == "dp_add_submit"]
    at = at.switch_page("pages/settings/tax_rates.py").run()
    assert not at.exception and len(at.dataframe[0].value) == 13
