"""The customers page's merge panel (issue #11 item 21): nothing is chosen until the user picks the duplicate, both
records are shown side by side, and the merge button does nothing until the confirmation box is ticked."""

from erp_core.masterdata import partners_queries, partners_services
from tests.support.factories import admin_actor


def test_merge_shows_both_records_and_needs_the_confirmation(admin_app, ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    c1 = partners_services.create_customer(ui_db, admin, values={"code": "MG1", "name": "长沙星辰贸易有限公司",
                                                                 "phone": "0731-88880000"})
    c2 = partners_services.create_customer(ui_db, admin, values={"code": "MG2", "name": "长沙星辰贸易",
                                                                 "tax_id": "91430100MA4L000001"},
                                           confirm_duplicates=True)
    at = admin_app
    at.switch_page("pages/masterdata/customers.py").run()
    at = at.text_input(key="masterdata.customer_search").input("MG").run()
    at = at.selectbox(key="masterdata.customer_pick").select(c1).run()
    pick = at.selectbox(key=f"masterdata.customer_merge_{c1}")
    assert pick.value is None  # nothing preselected: the wrong record is not one click away
    at = pick.select(c2).run()
    assert not at.exception, at.exception
    compare = next(d.value for d in at.dataframe if any("MG2" in str(c) for c in d.value.columns))
    text = compare.to_string()
    assert "MG1" in text and "MG2" in text and "0731-88880000" in text and "91430100MA4L000001" in text
    at = at.button(key=f"masterdata.customer_merge_btn_{c1}").click().run()  # not confirmed: nothing merged
    assert not at.exception, at.exception
    assert any("请先勾选" in e.value for e in at.error), [e.value for e in at.error]
    assert partners_queries.get_customer(ui_db, admin, customer_id=c2)["merged_into"] is None
    at.checkbox(key=f"masterdata.customer_merge_ok_{c1}_{c2}").check()
    at = at.button(key=f"masterdata.customer_merge_btn_{c1}").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert partners_queries.get_customer(ui_db, admin, customer_id=c2)["merged_into"] == c1
    assert any("合并完成" in s.value for s in at.success), [s.value for s in at.success]


def test_merge_is_refused_when_a_record_changed_after_the_preview(admin_app, ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    c1 = partners_services.create_customer(ui_db, admin, values={"code": "MS1", "name": "株洲月亮科技有限公司"})
    c2 = partners_services.create_customer(ui_db, admin, values={"code": "MS2", "name": "株洲月亮科技"},
                                           confirm_duplicates=True)
    at = admin_app
    at.switch_page("pages/masterdata/customers.py").run()
    at = at.text_input(key="masterdata.customer_search").input("MS").run()
    at = at.selectbox(key="masterdata.customer_pick").select(c1).run()
    at = at.selectbox(key=f"masterdata.customer_merge_{c1}").select(c2).run()
    version = partners_queries.get_customer(ui_db, admin, customer_id=c2)["version"]
    partners_services.edit_customer(ui_db, admin, customer_id=c2, version=version, values={"address": "芦淞区"})
    at.checkbox(key=f"masterdata.customer_merge_ok_{c1}_{c2}").check()
    at = at.run()
    assert any("已被他人修改" in w.value for w in at.warning), [w.value for w in at.warning]
    at = at.button(key=f"masterdata.customer_merge_btn_{c1}").click().run()
    assert at.error, "a stale merge must be refused"
    assert partners_queries.get_customer(ui_db, admin, customer_id=c2)["merged_into"] is None
