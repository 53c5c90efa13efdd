"""The administration pages are listed only for actors holding their permissions (the services refuse everyone
else again: tests/security covers that side)."""

from __future__ import annotations

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
