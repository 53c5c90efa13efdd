"""The CRM pages in Streamlit AppTest (SQLite): a salesperson sees the pool lead, claims it, follows it up and
converts it to a customer with an opportunity; every CRM page renders for the administrator; the salesperson
sees only their own leads."""

from __future__ import annotations

from erp_core.crm.leads import services as ls
from erp_core.crm.pools import services as ps
from erp_core.security.models import User
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts


def _setup(db, company, member: str) -> dict:
    admin = admin_actor(db, company)
    with db.uow(readonly=True) as uow:
        uid = uow.session.query(User.id).filter(User.username == member).scalar()
    pid = ps.save_pool(db, admin, values={"code": "EAST", "name": "华东公海", "daily_claim_cap": 5,
                                          "recycle_no_followup_days": 7, "warn_days_before": 2})
    ps.set_pool_members(db, admin, pool_id=pid, user_ids=[uid])
    lead = ls.create_lead(db, admin, values={"company_name": "湘江电子有限公司", "contact_name": "周经理",
                                             "phone": "13911112222", "source": "exhibition"},
                          pool_id=pid, assign="pool")
    other = ls.create_lead(db, admin, values={"company_name": "管理员自己的线索"})
    return {"pool": pid, "lead": lead, "other": other, "uid": uid}


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_salesperson_claims_follows_up_and_converts(ui_db, ui_company, login_as):  # noqa: F811
    ids = _setup(ui_db, ui_company, "wang.xiaoshou")
    at = login_as("wang.xiaoshou").switch_page("pages/crm/leads.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert list(df["公司名称"]) == ["湘江电子有限公司"]  # the pool lead; never the administrator's own
    next(n for n in at.number_input if n.key == "crm_lead_open").set_value(ids["lead"])
    at = at.run()
    at = _button(at, "领取").click().run()
    assert not at.exception, at.exception
    assert "已领取" in texts(at)
    form_text = next(t for t in at.text_area if t.label == "内容")
    form_text.set_value("展会上聊过，需要报价")
    at = _button(at, "添加跟进").click().run()
    assert not at.exception, at.exception
    assert "展会上聊过，需要报价" in list(at.dataframe[1].value["内容"])
    next(r for r in at.radio if r.key == "crm_conv_mode").set_value("new")
    at = at.run()
    next(t for t in at.text_input if t.label == "客户编号").set_value("CRM001")
    next(t for t in at.text_input if t.label == "预计金额").set_value("50000")
    at = _button(at, "转化为客户").click().run()
    assert not at.exception, at.exception
    assert any("已转化" in s for s in texts(at).splitlines()), texts(at)
    at = at.switch_page("pages/crm/opportunities.py").run()
    assert not at.exception, at.exception
    assert "湘江电子有限公司" in texts(at)  # on the kanban


def test_every_crm_page_renders_for_the_administrator(ui_db, ui_company, admin_app):  # noqa: F811
    _setup(ui_db, ui_company, "wang.xiaoshou")
    at = admin_app
    for page in ("leads", "pools", "opportunities", "tickets", "dashboard", "settings"):
        at = at.switch_page(f"pages/crm/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value, page


def test_home_shows_the_users_crm_reminders(ui_db, ui_company, admin_app):  # noqa: F811
    import datetime as dt

    from erp_core.crm.followups import services as fs

    ids = _setup(ui_db, ui_company, "wang.xiaoshou")
    admin = admin_actor(ui_db, ui_company)
    fs.add_followup(ui_db, admin, subject_type="lead", subject_id=ids["other"], kind="call", content="回访",
                    next_action="报价", next_action_date=dt.date(2020, 1, 6))
    at = admin_app.switch_page("pages/home.py").run()
    assert not at.exception, at.exception
    assert "客户跟进提醒：逾期未跟进 1 条" in texts(at)


def test_a_ticket_shows_its_parts_section(ui_db, ui_company, admin_app):  # noqa: F811
    from erp_core.crm.service import services as ts
    from erp_core.masterdata import partners_services

    admin = admin_actor(ui_db, ui_company)
    cust = partners_services.create_customer(ui_db, admin, values={"code": "TK01", "name": "工单客户"},
                                             confirm_duplicates=True)
    tid = ts.create_ticket(ui_db, admin, customer_id=cust, title="设备异响", problem_kind="fault")
    at = admin_app.switch_page("pages/crm/tickets.py").run()
    next(n for n in at.number_input if n.key == "crm_t_open").set_value(tid)
    at = at.run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "使用配件" in body and "本工单尚未领用配件" in body


def test_the_lead_list_says_when_the_count_stopped_and_builds_the_export_on_demand(  # noqa: F811
        ui_db, ui_company, admin_app, monkeypatch):  # noqa: F811
    from erp_core.crm.leads import queries as lq

    _setup(ui_db, ui_company, "wang.xiaoshou")
    monkeypatch.setattr(lq, "COUNT_CAP", 1)  # two leads, a page of 50: the first page is the last, counted exactly
    at = admin_app.switch_page("pages/crm/leads.py").run()
    assert not at.exception, at.exception
    assert "共 2 条" in texts(at) and "只计数到" not in texts(at)
    assert not any(b.key == "crm_lead_xlsx" for b in at.get("download_button"))  # not built on every rerun
    at = _button(at, "生成导出文件").click().run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 1  # built when asked for
    next(t for t in at.text_input if t.key == "crm_lead_search").set_value("公司")  # 2 characters: the gram table
    at = at.run()
    assert not at.exception, at.exception
    assert "共 1 条" in texts(at) and "只搜索了最新的" not in texts(at)  # every lead searched, nothing to warn of
    admin = admin_actor(ui_db, ui_company)
    for i in range(50):  # a full first page: the count runs, and stops at the cap
        ls.create_lead(ui_db, admin, values={"company_name": f"批量线索{i:02d}"}, confirm_duplicates=True)
    next(t for t in at.text_input if t.key == "crm_lead_search").set_value("")
    at = at.run()
    assert not at.exception, at.exception
    assert "符合条件的线索超过 1 条，只计数到 1 条" in texts(at)
