"""Help centre and feedback pages in AppTest (SQLite): the help centre renders a topic and jumps to the section a
"?" link names; a user sends feedback and later reads the administrator's reply; the administrator triages it;
another user never sees it; the "?" popover of a page shows its help section."""

from __future__ import annotations

from erp_core.helpdesk import services
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts


def test_help_centre_topics_search_and_jump(admin_app):  # noqa: F811
    at = admin_app.switch_page("pages/help/center.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "帮助中心"
    assert "无法登录" in texts(at) and "系统繁忙，请稍后再试" in texts(at)  # the FAQ comes first
    at.selectbox(key="hc_topic").set_value("start")
    at = at.run()
    assert "第一次打开：初始化向导" in texts(at)  # the usage guide's Chinese half
    at.text_input(key="hc_search").input("锁定")
    at = at.run()
    assert any("无法登录" in e.label for e in at.expander)
    # arriving from a "?" link: topic and section from the address
    at.text_input(key="hc_search").input("")
    at.query_params["topic"] = "admin"
    at.query_params["section"] = "feedback"
    at = at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="hc_topic").value == "admin"
    assert "您从页面上的“?”来到这里" in texts(at)


def test_feedback_round_trip(ui_db, login_as):  # noqa: F811
    at = login_as("wang.xiaoshou").switch_page("pages/help/feedback.py").run()
    assert not at.exception, at.exception
    assert "您还没有提交过反馈" in texts(at)
    at.selectbox(key="fb_kind").set_value("problem")
    at.text_input(key="fb_page").input("客户")
    at.text_area(key="fb_text").input("保存客户时提示系统繁忙")
    next(b for b in at.button if b.label == "提交").click()
    at = at.run()
    assert not at.exception, at.exception
    assert "已提交" in texts(at)
    assert any("问题/故障" in e.label and "新提交" in e.label for e in at.expander)

    admin = login_as("admin").switch_page("pages/admin/feedback.py").run()
    assert not admin.exception, admin.exception
    table = admin.dataframe[0].value
    assert list(table["提交人"]) == ["wang.xiaoshou"]
    fid = int(table["ID"][0])
    admin.selectbox(key=f"af_new_status_{fid}").set_value("answered")
    admin.text_area(key=f"af_reply_{fid}").input("已扩容，请重试")
    admin = next(b for b in admin.button if b.label == "保存").click().run()
    assert not admin.exception, admin.exception
    assert f"反馈 #{fid} 已保存" in texts(admin)

    at = at.run()
    assert "已扩容，请重试" in texts(at)
    assert any("已答复" in e.label for e in at.expander)
    other = login_as("sun.chakan").switch_page("pages/help/feedback.py").run()
    assert "已扩容" not in texts(other) and "您还没有提交过反馈" in texts(other)


def test_context_help_popover_on_a_page(admin_app):  # noqa: F811
    at = admin_app.switch_page("pages/admin/data_quality.py").run()
    assert not at.exception, at.exception
    # the "?" popover holds the page's section of the admin topic (docs/help/zh/admin.md)
    assert "列出每项检查发现的数量" in texts(at)
    at = admin_app.switch_page("pages/help/feedback.py").run()
    assert services.MAX_SCREENSHOT_BYTES == 2 * 1024 * 1024 and "最大 2 MB" in str(at.get("file_uploader")[0].proto)
