"""The customers page's duplicate warnings say why (issue #4, brief B item 3): on the create form (same phone as
a contact, similar name with its score) and in the merge panel of a record."""

from erp_core.masterdata import partners_services
from tests.support.factories import admin_actor
from tests.ui.harness import choose_section


def test_create_form_and_merge_panel_show_why_records_look_alike(admin_app, ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    c1 = partners_services.create_customer(ui_db, admin, values={"code": "DUP1", "name": "长沙星辰贸易有限公司"})
    partners_services.add_customer_contact(ui_db, admin, customer_id=c1,
                                           values={"name": "王经理", "phone": "0731-85556666"})
    at = choose_section(admin_app.switch_page("pages/masterdata/customers.py").run(), "masterdata.customer_section",
                        "new")
    by_key = {t.key.removeprefix("masterdata.customer_new_"): t for t in at.text_input
              if t.key and t.key.startswith("masterdata.customer_new_")}
    by_key["code"].input("DUP2")
    by_key["name"].input("星晨贸易（长沙）有限公司")
    by_key["phone"].input("+86 731 8555 6666")
    at = next(b for b in at.button if b.key and "FormSubmitter:masterdata.customer_new_form" in b.key).click().run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert "DUP1" in message and "名称相似 0.75" in message and "电话相同" in message, message
    # confirmed, it is saved; the merge panel of DUP1 then names DUP2 with the reasons
    at.checkbox(key="masterdata.customer_confirm").check()
    at = next(b for b in at.button if b.key and "FormSubmitter:masterdata.customer_new_form" in b.key).click().run()
    assert not at.error, [e.value for e in at.error]
    at = at.text_input(key="masterdata.customer_search").input("DUP").run()
    pick = at.selectbox(key="masterdata.customer_pick")
    at = pick.select(c1).run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any("DUP2" in w and "名称相似 0.75" in w and "电话相同" in w for w in warnings), warnings


def test_edit_form_warns_when_an_edit_makes_a_look_alike(admin_app, ui_db, ui_company):
    from erp_core.masterdata import partners_queries

    admin = admin_actor(ui_db, ui_company)
    partners_services.create_customer(ui_db, admin, values={"code": "ED1", "name": "长沙星辰贸易有限公司"})
    c2 = partners_services.create_customer(ui_db, admin, values={"code": "ED2", "name": "月亮科技有限公司"})
    at = admin_app
    at.switch_page("pages/masterdata/customers.py").run()
    at = at.selectbox(key="masterdata.customer_pick").select(c2).run()
    prefix = f"masterdata.customer_edit_{c2}_"
    name = next(t for t in at.text_input if t.key and t.key.startswith(prefix) and t.key.endswith("_name"))
    name.input("星辰贸易（长沙）有限公司")
    form = f"FormSubmitter:masterdata.customer_edit_form_{c2}"
    at = next(b for b in at.button if b.key and b.key.startswith(form)).click().run()
    assert not at.exception, at.exception
    assert any("ED1" in e.value and "名称相同" in e.value for e in at.error), [e.value for e in at.error]
    assert partners_queries.get_customer(ui_db, admin, customer_id=c2)["name"] == "月亮科技有限公司"
    at.checkbox(key=f"masterdata.customer_edit_confirm_{c2}").check()
    at = next(b for b in at.button if b.key and b.key.startswith(form)).click().run()
    assert not at.error, [e.value for e in at.error]
    assert partners_queries.get_customer(ui_db, admin, customer_id=c2)["name"] == "星辰贸易（长沙）有限公司"


def test_contact_form_warns_keeps_what_was_typed_and_clears_once_added(admin_app, ui_db, ui_company):
    from erp_core.masterdata import partners_queries

    admin = admin_actor(ui_db, ui_company)
    partners_services.create_customer(ui_db, admin, values={"code": "CT1", "name": "长沙星辰贸易有限公司",
                                                            "phone": "0731-88880000"})
    c2 = partners_services.create_customer(ui_db, admin, values={"code": "CT2", "name": "月亮科技有限公司"})
    at = admin_app
    at.switch_page("pages/masterdata/customers.py").run()
    at = at.selectbox(key="masterdata.customer_pick").select(c2).run()
    at.text_input(key=f"masterdata.customer_c_name_{c2}").input("李经理")
    at.text_input(key=f"masterdata.customer_c_phone_{c2}").input("0731 8888 0000")
    form = f"FormSubmitter:masterdata.customer_contact_{c2}"
    at = next(b for b in at.button if b.key and b.key.startswith(form)).click().run()
    assert any("CT1" in e.value and "电话相同" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key=f"masterdata.customer_c_name_{c2}").value == "李经理"  # kept for the retry
    assert partners_queries.get_customer(ui_db, admin, customer_id=c2)["contacts"] == []
    at.checkbox(key=f"masterdata.customer_c_confirm_{c2}").check()
    at = next(b for b in at.button if b.key and b.key.startswith(form)).click().run()
    assert not at.error, [e.value for e in at.error]
    assert [c["name"] for c in partners_queries.get_customer(ui_db, admin, customer_id=c2)["contacts"]] == ["李经理"]
    assert at.text_input(key=f"masterdata.customer_c_name_{c2}").value == ""  # cleared once added
    assert any(s.value for s in at.success)
