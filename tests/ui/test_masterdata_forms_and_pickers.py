"""Master data forms and lists (issue #11 items 22 and 27): a create form clears once saved and keeps what was typed
when refused; a save shows in the list at once (custom fields too); departments, salespeople and warehouse keepers
are picked from real records (code + name) inside the row scope; the list's columns are the user's choice."""

from erp_core.masterdata import custom_fields_services as cfs
from erp_core.masterdata import partners_queries, partners_services
from tests.support.factories import admin_actor
from tests.ui.harness import choose_section

NEW = "masterdata.customer_new_"
SUBMIT = "FormSubmitter:masterdata.customer_new_form"


def _new_inputs(at):
    return {t.key.removeprefix(NEW): t for t in at.text_input if t.key and t.key.startswith(NEW)}


def _open_new(at):
    return choose_section(at, "masterdata.customer_section", "new")


def _submit(at, form=SUBMIT):
    return next(b for b in at.button if b.key and b.key.startswith(form)).click().run()


def test_new_customer_form_keeps_input_when_refused_and_clears_once_saved(admin_app, ui_db, ui_company):
    at = _open_new(admin_app.switch_page("pages/masterdata/customers.py").run())
    _new_inputs(at)["code"].input("C900")
    at = _submit(at)  # refused: the name is required
    assert at.error and "名称" in at.error[0].value
    assert _new_inputs(at)["code"].value == "C900"  # kept for the retry
    _new_inputs(at)["name"].input("页面新建客户有限公司")
    at = _submit(at)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("C900" in s.value for s in at.success), [s.value for s in at.success]
    assert "C900" in at.dataframe[0].value.to_string()  # created: the list shows it without reopening the page
    at = _open_new(at)
    inputs = _new_inputs(at)
    assert inputs["code"].value == "" and inputs["name"].value == ""  # cleared: a second click saves nothing twice
    at = _submit(at)  # the empty form again: refused, no second customer
    assert at.error
    assert partners_queries.list_customers(ui_db, admin_actor(ui_db, ui_company), search="C900").total == 1


def test_custom_field_shows_in_the_list_once_saved_and_the_form_clears(admin_app):
    at = admin_app
    at.switch_page("pages/masterdata/custom_fields.py").run()
    assert any("暂无记录" in i.value for i in at.info)
    at.text_input(key="cf_new_key").input("level")
    at.text_input(key="cf_new_label_zh").input("客户等级")
    at = _submit(at, "FormSubmitter:cf_new")  # refused: the English label is required
    assert at.error and at.text_input(key="cf_new_key").value == "level"
    at.text_input(key="cf_new_label_en").input("Level")
    at = _submit(at, "FormSubmitter:cf_new")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert not any("暂无记录" in i.value for i in at.info)
    assert "level" in at.dataframe[0].value.to_string()
    assert at.text_input(key="cf_new_key").value == "" and at.text_input(key="cf_new_label_zh").value == ""


def test_warehouse_add_form_keeps_input_when_refused_and_keeper_is_picked(admin_app, ui_db, ui_company):
    from erp_core.masterdata.employees_services import create_employee

    create_employee(ui_db, admin_actor(ui_db, ui_company), values={"code": "E905", "name": "王库管"})
    at = admin_app
    at.switch_page("pages/masterdata/warehouses.py").run()
    keeper = at.selectbox(key="wh_add_keeper")
    assert "E905 王库管" in keeper.options  # the company's employees, code + name
    assert keeper.placeholder == "选择职员，或输入姓名"
    at.text_input(key="wh_add_code").input("WH9")
    at = _submit(at, "FormSubmitter:wh_add")  # refused: the name is required
    assert at.error and at.text_input(key="wh_add_code").value == "WH9"
    at.text_input(key="wh_add_name").input("备件仓")
    at.selectbox(key="wh_add_keeper").select("王库管")
    at = _submit(at, "FormSubmitter:wh_add")
    assert not at.error, [e.value for e in at.error]
    assert at.text_input(key="wh_add_code").value == ""
    listed = at.dataframe[0].value.to_string()
    assert "WH9" in listed and "王库管" in listed


def test_department_and_salesperson_are_picked_from_real_records(admin_app, ui_db, ui_company):
    at = _open_new(admin_app.switch_page("pages/masterdata/customers.py").run())
    dep = at.selectbox(key=f"{NEW}department")
    labels = dep.options  # as shown
    assert "SALES-N 销售一部（长沙）" in labels and "FIN 财务部" in labels
    assert dep.placeholder == "请选择（可输入搜索）"
    owner = at.selectbox(key=f"{NEW}owner")
    assert "wang.xiaoshou 王销售" in owner.options
    _new_inputs(at)["code"].input("C901")
    _new_inputs(at)["name"].input("选择部门的客户")
    at.selectbox(key=f"{NEW}department").select("SALES-S")
    at.selectbox(key=f"{NEW}owner").select("wang.xiaoshou")
    at = _submit(at)
    assert not at.error, [e.value for e in at.error]
    admin = admin_actor(ui_db, ui_company)
    row = partners_queries.list_customers(ui_db, admin, search="C901").rows[0]
    assert (row["department"], row["owner"]) == ("SALES-S", "wang.xiaoshou")
    # the department filter is a picker too, and filters
    flt = at.selectbox(key="masterdata.customer_flt_department")
    assert flt.value is None and flt.placeholder == "全部"
    at = flt.select("SALES-S").run()
    listed = at.dataframe[0].value.to_string()
    assert "C901" in listed and "C001" not in listed  # C001 belongs to SALES-N
    assert "SALES-S 销售二部（株洲湘潭）" in listed  # the list names the department, not only its code


def test_pickers_offer_only_what_the_row_scope_allows(login_as):
    at = login_as("wang.xiaoshou")  # customers at scope department (SALES-N)
    at = _open_new(at.switch_page("pages/masterdata/customers.py").run())
    assert not at.exception, at.exception
    dep = at.selectbox(key=f"{NEW}department")
    assert [o for o in dep.options if o != "—"] == ["SALES-N 销售一部（长沙）"]
    owners = [o.split()[0] for o in at.selectbox(key=f"{NEW}owner").options if o != "—"]
    assert "wang.xiaoshou" in owners and "admin" not in owners and "li.kuaiji" not in owners


def test_chosen_columns_show_a_custom_field_and_are_remembered(admin_app, ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    cfs.define_field(ui_db, admin, values={"entity": "customer", "key": "level", "label_zh": "客户等级",
                                           "label_en": "Level", "field_type": "text"})
    partners_services.create_customer(ui_db, admin, values={"code": "CF1", "name": "等级客户"}, custom={"level": "A级"})
    at = admin_app
    at.switch_page("pages/masterdata/customers.py").run()
    at = at.text_input(key="masterdata.customer_search").input("CF1").run()
    table = at.dataframe[0].value
    assert "客户等级" not in table.columns and "信用额度" in table.columns and "部门" in table.columns
    chooser = at.multiselect(key="masterdata.customer_columns")
    assert "客户等级" in chooser.options and "客户等级" not in chooser.value
    at = chooser.select("cf:level").unselect("credit_limit").run()
    table = at.dataframe[0].value
    assert "客户等级" in table.columns and "信用额度" not in table.columns
    assert list(table["客户等级"]) == ["A级"]
    at.switch_page("pages/masterdata/suppliers.py").run()  # away and back: the choice is remembered
    at.switch_page("pages/masterdata/customers.py").run()
    assert "客户等级" in at.dataframe[0].value.columns


def test_department_and_project_add_forms_keep_input_when_refused_and_clear_once_added(admin_app):
    at = admin_app
    at.switch_page("pages/masterdata/departments.py").run()
    at.text_input(key="dp_new_code").input("QA")
    at = at.button(key="dp_add_submit").click().run()  # refused: the name is required
    assert at.error and at.text_input(key="dp_new_code").value == "QA"
    at.text_input(key="dp_new_name").input("质检部")
    at = at.button(key="dp_add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert at.text_input(key="dp_new_code").value == "" and at.text_input(key="dp_new_name").value == ""
    at.switch_page("pages/masterdata/projects.py").run()
    at.text_input(key="pj_add_code").input("P-QA")
    at = _submit(at, "FormSubmitter:pj_add")  # refused: the name is required
    assert at.error and at.text_input(key="pj_add_code").value == "P-QA"
    at.text_input(key="pj_add_name").input("质检项目")
    at = _submit(at, "FormSubmitter:pj_add")
    assert not at.error, [e.value for e in at.error]
    assert at.text_input(key="pj_add_code").value == "" and "P-QA" in at.dataframe[0].value.to_string()


def test_address_form_keeps_input_when_refused_and_the_added_address_shows_at_once(admin_app, ui_db, ui_company):
    c = partners_services.create_customer(ui_db, admin_actor(ui_db, ui_company),
                                          values={"code": "AD1", "name": "地址客户"})
    at = admin_app
    at.switch_page("pages/masterdata/customers.py").run()
    at = at.text_input(key="masterdata.customer_search").input("AD1").run()
    at = at.selectbox(key="masterdata.customer_pick").select(c).run()
    at.text_input(key=f"masterdata.customer_a_receiver_{c}").input("张收货")
    at = _submit(at, f"FormSubmitter:masterdata.customer_address_{c}")  # refused: the address is required
    assert at.error and at.text_input(key=f"masterdata.customer_a_receiver_{c}").value == "张收货"
    at.text_input(key=f"masterdata.customer_a_address_{c}").input("岳麓区麓谷大道 1 号")
    at = _submit(at, f"FormSubmitter:masterdata.customer_address_{c}")
    assert not at.error, [e.value for e in at.error]
    assert at.text_input(key=f"masterdata.customer_a_receiver_{c}").value == ""
    shown = [str(e.value) for kind in ("markdown", "text", "caption") for e in getattr(at, kind)]
    assert any("岳麓区麓谷大道 1 号" in x for x in shown)  # listed above the form without reopening


def test_pickers_columns_and_merge_panel_speak_english(ui_db, ui_company):
    from tests.support.factories import ADMIN_PASSWORD
    from tests.ui import harness

    admin = admin_actor(ui_db, ui_company)
    c1 = partners_services.create_customer(ui_db, admin, values={"code": "EN1", "name": "Star Trading"})
    partners_services.create_customer(ui_db, admin, values={"code": "EN2", "name": "Star Trading Co"},
                                      confirm_duplicates=True)
    password = harness.ready_user(ui_db, "admin", ADMIN_PASSWORD, locale="en")
    at = harness.logged_in_app(ui_db, "admin", password)
    # one run with the widgets' state set beforehand (the page's own language-switch behaviour is item 16's)
    at.session_state["masterdata.customer_search"] = "EN"
    at.session_state["masterdata.customer_pick"] = c1
    at.session_state[f"masterdata.customer_merge_{c1}"] = c1 + 1
    at = at.switch_page("pages/masterdata/customers.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="masterdata.customer_flt_department").placeholder == "All"
    assert at.multiselect(key="masterdata.customer_columns").placeholder == "Choose the list's columns"
    assert at.selectbox(key=f"masterdata.customer_merge_{c1}").placeholder == \
        "Choose the duplicate to merge into this record"
    assert any(c.startswith("Keep: EN1") for d in at.dataframe for c in d.value.columns)
    assert any("I have checked: merge EN2" in c.label for c in at.checkbox)
    at = harness.logged_in_app(ui_db, "admin", password)  # the form's section, also in one run
    at.session_state["masterdata.customer_section"] = "new"
    at = at.switch_page("pages/masterdata/customers.py").run()
    assert at.selectbox(key=f"{NEW}department").placeholder == "Choose (type to search)"
