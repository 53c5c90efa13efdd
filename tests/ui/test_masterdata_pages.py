"""Master record pages render for the administrator, create through the form, and show lists."""

import pytest

from erp_core.masterdata import partners_services
from tests.support.factories import admin_actor
from tests.ui.harness import choose_section, texts

PAGES = ["customers", "suppliers", "products", "categories", "employees", "import", "custom_fields"]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(admin_app, page):
    at = admin_app
    at.switch_page(f"pages/masterdata/{page}.py").run()
    assert not at.exception, at.exception
    assert at.title


def test_customer_created_through_the_form_shows_in_the_list(admin_app, ui_db, ui_company):
    at = admin_app
    at = choose_section(at.switch_page("pages/masterdata/customers.py").run(), "masterdata.customer_section", "new")
    form_inputs = [t for t in at.text_input if t.key and t.key.startswith("masterdata.customer_new_")]
    by_key = {t.key.removeprefix("masterdata.customer_new_"): t for t in form_inputs}
    by_key["code"].input("C900")
    by_key["name"].input("页面新建客户有限公司")
    by_key["credit_limit"].input("12.5")
    at = next(b for b in at.button if b.key and "FormSubmitter:masterdata.customer_new_form" in b.key).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.segmented_control(key="masterdata.customer_section").value == "list"  # created: the list shows it
    assert "C900" in at.dataframe[0].value.to_string()


def test_bad_input_shows_every_problem(admin_app):
    at = admin_app
    at = choose_section(at.switch_page("pages/masterdata/products.py").run(), "masterdata.product_section", "new")
    by_key = {t.key.removeprefix("masterdata.product_new_"): t for t in at.text_input
              if t.key and t.key.startswith("masterdata.product_new_")}
    by_key["code"].input("有 空格")
    by_key["reorder_point"].input("-1")
    at = next(b for b in at.button if b.key and "FormSubmitter:masterdata.product_new_form" in b.key).click().run()
    assert at.error and "名称" in at.error[0].value and "再订货点" in at.error[0].value


def test_duplicate_warning_then_confirm(admin_app, ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    partners_services.create_customer(ui_db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司"})
    at = admin_app
    at = choose_section(at.switch_page("pages/masterdata/customers.py").run(), "masterdata.customer_section", "new")
    by_key = {t.key.removeprefix("masterdata.customer_new_"): t for t in at.text_input
              if t.key and t.key.startswith("masterdata.customer_new_")}
    by_key["code"].input("C2")
    by_key["name"].input("长沙星辰贸易")
    at = next(b for b in at.button if b.key and "FormSubmitter:masterdata.customer_new_form" in b.key).click().run()
    assert at.error and "C1" in at.error[0].value
    assert "疑似重复" in texts(at) or "重复" in at.error[0].value


def test_salesperson_sees_only_department_customers_and_no_admin_pages(ui_db, ui_company):
    from tests.ui.harness import logged_in_app, ready_user

    admin = admin_actor(ui_db, ui_company)
    partners_services.create_customer(ui_db, admin, values={"code": "N1", "name": "长沙客户", "department": "SALES-N"})
    partners_services.create_customer(ui_db, admin, values={"code": "S1", "name": "株洲客户", "department": "SALES-S"})
    password = ready_user(ui_db, "wang.xiaoshou", ui_company.demo_passwords["wang.xiaoshou"])
    at = logged_in_app(ui_db, "wang.xiaoshou", password)
    at.switch_page("pages/masterdata/customers.py").run()
    assert not at.exception, at.exception
    listed = at.dataframe[0].value.to_string()
    assert "N1" in listed and "S1" not in listed
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in the salesperson's menu
        at.switch_page("pages/masterdata/custom_fields.py")
