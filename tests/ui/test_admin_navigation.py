"""The administration pages are listed only for actors holding their permissions (the services refuse everyone
else again: tests/security covers that side)."""

from __future__ import annotations

import re

import pytest

from tests.ui import harness
from ui.menus.admin import PAGES

ADMIN_FILES = [spec.file for spec in PAGES]


def test_every_admin_page_opens_for_the_administrator(admin_app):
    at = admin_app
    for file in ADMIN_FILES:
        at = at.switch_page(file).run()
        assert not at.exception, (file, at.exception)
        assert not at.error, (file, [e.value for e in at.error])
        assert at.title, file


@pytest.mark.parametrize("username", ["zhang.zong", "li.kuaiji"])
def test_other_roles_do_not_get_the_admin_pages(ui_db, ui_company, username):
    password = harness.ready_user(ui_db, username, ui_company.demo_passwords[username])
    at = harness.logged_in_app(ui_db, username, password)
    assert not at.exception
    for file in ADMIN_FILES:
        with pytest.raises(ValueError, match="Known pages"):  # not in the navigation app.py built
            at.switch_page(file)
    assert "系统管理" not in [getattr(n, "label", "") for n in at.sidebar]


def _rendered(node) -> list[str]:
    """Every label, value and column name rendered under ``node`` (raw protobuf text of each element)."""
    out: list[str] = []
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            out += _rendered(child)
    proto = getattr(node, "proto", None)
    if proto is not None:
        out.append(str(proto))
    if getattr(node, "type", None) == "arrow_data_frame":
        out += [str(c) for c in node.value.columns]
    return out


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_every_admin_string_is_translated(ui_db, ui_company, locale):
    from tests.support.factories import ADMIN_PASSWORD

    password = harness.ready_user(ui_db, "admin", ADMIN_PASSWORD, locale=locale)
    at = harness.logged_in_app(ui_db, "admin", password)
    for file in ADMIN_FILES:
        at = at.switch_page(file).run()
        assert not at.exception, (file, at.exception)
        shown = "\n".join(_rendered(at.main) + _rendered(at.sidebar))
        raw = sorted(set(re.findall(r"\b(?:admin_ui|nav\.admin|field\.security)\.[a-z0-9_.]+", shown)))
        assert not raw, (file, raw)
    if locale == "en":
        assert at.title[0].value == "Permission review"


def test_each_admin_page_is_listed_only_for_its_permission(ui_db, ui_company):
    from erp_core.security.role_services import create_role, set_role_grants
    from erp_core.security.user_services import create_user
    from tests.support.factories import admin_actor

    admin = admin_actor(ui_db, ui_company)
    role = create_role(ui_db, admin, code="auditor", name_zh="审计员", name_en="Auditor")
    set_role_grants(ui_db, admin, role_id=role, grants={"admin.audit.view": "all"})
    create_user(ui_db, admin, username="shen.ji", display_name="审计员", password="Str0ng-Passw0rd!",
                role_ids=[role], must_change_password=False)
    password = harness.ready_user(ui_db, "shen.ji", "Str0ng-Passw0rd!")
    at = harness.logged_in_app(ui_db, "shen.ji", password)
    at = at.switch_page("pages/admin/audit.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "审计日志" and not at.error
    for file in ADMIN_FILES:
        if file != "pages/admin/audit.py":
            with pytest.raises(ValueError, match="Known pages"):
                at.switch_page(file)
