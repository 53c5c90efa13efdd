"""Permission review page in AppTest: user x permission x scope with filters, dormant accounts, administrators,
and the sign-off with its history."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.security.models_identity import ReviewSignoff
from tests.ui.harness import choose_section, texts

REVIEW = "pages/admin/review.py"


def _col(at, index: int, name: str) -> list:
    return list(at.dataframe[index].value[name])


def test_matrix_filters_by_user_prefix_and_scope(ui_db, admin_app):
    at = admin_app.switch_page(REVIEW).run()
    assert not at.exception, at.exception
    at.text_input(key="av_user").input("li.kuaiji")
    at.text_input(key="av_prefix").input("finance.")
    at = at.run()
    users, perms = _col(at, 0, "用户名"), _col(at, 0, "权限代码")
    assert perms and set(users) == {"li.kuaiji"} and all(p.startswith("finance.") for p in perms)
    assert set(_col(at, 0, "来自角色")) == {"accountant"}
    at.text_input(key="av_user").input("")
    at.text_input(key="av_prefix").input("")
    at.multiselect(key="av_scopes").select("department")
    at = at.run()
    assert set(_col(at, 0, "数据范围")) == {"本部门"}
    assert "sun.chakan" in _col(at, 0, "用户名")  # the read-only user sees their department
    assert "li.kuaiji" not in _col(at, 0, "用户名")  # the accountant holds everything company-wide


def test_dormant_accounts_and_administrators(ui_db, admin_app):
    at = choose_section(admin_app.switch_page(REVIEW).run(), "rv_section", "dormant")
    at.number_input(key="av_days").set_value(0)
    at = at.run()
    dormant = _col(at, 0, "用户名")
    assert "zhang.zong" in dormant  # a demo user who never logged in
    at.number_input(key="av_days").set_value(3650)
    at = at.run()
    assert "没有超过 3650 天未登录的账户" in texts(at)
    at = choose_section(at, "rv_section", "admins")
    admins = _col(at, 0, "用户名")
    assert "admin" in admins and "li.kuaiji" not in admins


def test_signoff_needs_a_note_and_is_listed(ui_db, admin_app):
    at = choose_section(admin_app.switch_page(REVIEW).run(), "rv_section", "signoff")
    at.button(key="av_sign").click()
    at = at.run()
    assert at.error and "审查" in at.error[0].value
    at.text_area(key="av_note").input("已核对全部权限")
    at.button(key="av_sign").click()
    at = at.run()
    assert not at.exception, at.exception
    assert "审查签字已记录" in texts(at)
    with ui_db.uow(readonly=True) as uow:
        notes = uow.session.execute(select(ReviewSignoff.note, ReviewSignoff.username)).all()
    assert [tuple(n) for n in notes] == [("已核对全部权限", "admin")]
    assert "已核对全部权限" in at.dataframe[-1].value.to_string()
