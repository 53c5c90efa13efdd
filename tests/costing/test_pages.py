"""The costing pages in Streamlit AppTest (SQLite): 科目设置 lists the defaults, sets a rule through the form,
answers the probe and removes a rule only after the confirmation; 成本计算 shows the period's state and runs
the costing after the confirmation; an accountant sees both pages."""

from __future__ import annotations

from erp_core.costing.rules_queries import list_account_rules
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts


def test_account_rules_page_sets_probes_and_clears_a_rule(admin_app, ui_db, ui_company):  # noqa: F811
    at = admin_app.switch_page("pages/costing/account_rules.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "科目设置"
    assert "尚未设置规则" in texts(at)
    form_role = next(s for s in at.selectbox if s.key == "cr_role")
    form_role.set_value("stock")
    account = next(s for s in at.selectbox if s.key == "cr_account")
    account.set_value("1403")
    at = next(b for b in at.button if b.key == "cr_submit").click().run()
    assert not at.exception, at.exception
    assert "规则已保存" in texts(at)
    admin = admin_actor(ui_db, ui_company)
    [rule] = list_account_rules(ui_db, admin)
    assert (rule.role, rule.account_code, rule.category, rule.warehouse) == ("stock", "1403", "", "")
    df = at.dataframe[0].value
    assert list(df["科目"]) == ["1403"] and list(df["科目名称"]) == ["原材料"]
    # removing needs the confirmation first
    delete = next(b for b in at.button if b.key == f"cr_del_{rule.id}")
    assert delete.disabled
    next(c for c in at.checkbox if c.key == f"cr_del_{rule.id}_ok").check()
    at = at.run()
    at = next(b for b in at.button if b.key == f"cr_del_{rule.id}").click().run()
    assert not at.exception, at.exception
    assert "规则已删除" in texts(at) and list_account_rules(ui_db, admin) == []
    # the defaults and the probe
    next(s for s in at.get("segmented_control") if s.key == "cr_view").set_value("probe")
    at = at.run()
    assert not at.exception, at.exception
    assert "适用科目：1405 库存商品" in texts(at)


def test_costing_run_page_runs_after_confirmation(admin_app):  # noqa: F811
    at = admin_app.switch_page("pages/costing/costing_run.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "成本计算"
    next(t for t in at.text_input if t.key == "crun_period").set_value("2026-01")
    at = at.run()
    assert "2026-01 没有出入库，无需成本计算" in texts(at)
    assert next(b for b in at.button if b.key == "crun_go").disabled
    next(c for c in at.checkbox if c.key == "crun_go_ok").check()
    at = at.run()
    at = next(b for b in at.button if b.key == "crun_go").click().run()
    assert not at.exception, at.exception
    assert "成本计算完成：0 笔调整" in texts(at)
    assert list(at.dataframe[0].value["期间"]) == ["2026-01"]


def test_an_accountant_sees_the_costing_pages(login_as):  # noqa: F811
    at = login_as("li.kuaiji")
    at = at.switch_page("pages/costing/costing_run.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "成本计算"
    at = at.switch_page("pages/costing/account_rules.py").run()
    assert not at.exception and at.title[0].value == "科目设置"
