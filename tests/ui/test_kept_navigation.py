"""The navigation app.py keeps per browser session (issue #17: building ~45 st.Page objects on every rerun cost
~6 ms of CPU): it is rebuilt whenever what it is made of changes — another user signs in in the same browser
session, the language changes, the landing page changes — and never comes from another browser session."""

from __future__ import annotations

import pytest

from tests.ui import harness
from tests.ui.harness import texts

NAV_KEY = "erp_nav_pages"  # app.py's per-session key


def _nav(at) -> dict[str, list[str]]:
    """The navigation the last run handed to st.navigation: group title -> titles of the pages it shows (the
    hidden "not allowed" pages at the other addresses left out)."""
    _key, nav, _landing = at.session_state[NAV_KEY]
    return {group: [page.title for page in pages if page.visibility == "visible"] for group, pages in nav.items()}


def test_the_kept_navigation_follows_the_user_and_the_language(ui_db, ui_company, admin_password):
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    assert not at.exception
    first = _nav(at)
    assert "系统管理" in first and "首页" in first["首页"]
    at.run()
    assert _nav(at) == first  # kept while nothing changed
    # another user signs in in this same browser session (same language): their pages, not the administrator's
    at.button(key="erp_logout_button").click().run()
    keeper_password = harness.ready_user(ui_db, "chen.cangguan", ui_company.demo_passwords["chen.cangguan"])
    harness.login_with_form(at, "chen.cangguan", keeper_password)
    assert not at.exception
    keeper = _nav(at)
    assert "系统管理" not in keeper and "首页" in keeper
    assert sum(map(len, keeper.values())) < sum(map(len, first.values()))
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered for this user
        at.switch_page("pages/admin/users.py")
    # the language changes: the same pages, titled in the new language
    at.selectbox(key="erp_lang_user").set_value("en").run()
    assert not at.exception
    english = _nav(at)
    assert "Home" in english and "Home" in english["Home"] and "首页" not in english
    assert sum(map(len, english.values())) == sum(map(len, keeper.values()))


def test_two_browser_sessions_keep_their_own_navigation(ui_db, ui_company, admin_password):
    admin = harness.logged_in_app(ui_db, "admin", admin_password)
    viewer_password = harness.ready_user(ui_db, "sun.chakan", ui_company.demo_passwords["sun.chakan"],
                                         locale="en")
    viewer = harness.logged_in_app(ui_db, "sun.chakan", viewer_password)
    admin.run()
    viewer.run()
    assert "系统管理" in _nav(admin)
    assert "系统管理" not in _nav(viewer) and "Administration" not in _nav(viewer) and "Home" in _nav(viewer)
    assert "Welcome back" in texts(viewer)


def test_sessions_with_the_same_pages_share_the_build_but_not_the_page_objects(ui_db, ui_company, admin_password,
                                                                               monkeypatch):
    """The navigation's st.Page objects are built once per process for the same pages and language (issue #17:
    a first run's cost); every browser session gets objects of its own (st.navigation marks the one it shows)."""
    from streamlit.navigation.page import StreamlitPage

    first = harness.logged_in_app(ui_db, "admin", admin_password)
    built = []
    real_init = StreamlitPage.__init__

    def counting_init(self, *args, **kwargs):
        built.append(kwargs.get("url_path"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(StreamlitPage, "__init__", counting_init)
    second = harness.logged_in_app(ui_db, "admin", admin_password)
    assert not second.exception
    assert built == []  # the second session's navigation came from the process's build
    _k1, nav1, landing1 = first.session_state[NAV_KEY]
    _k2, nav2, landing2 = second.session_state[NAV_KEY]
    assert _nav(first) == _nav(second)
    pages1 = [p for group in nav1.values() for p in group]
    pages2 = [p for group in nav2.values() for p in group]
    assert len(pages1) == len(pages2) > 40
    assert not {id(p) for p in pages1} & {id(p) for p in pages2}
    for _ in range(2):  # both keep working, rerun in turn, and open pages of their own
        first.run()
        second.switch_page("pages/finance/vouchers.py").run()
        assert not first.exception and not second.exception


def _fold_scripts(at) -> int:
    return sum("__erpFoldSidebar" in str(el.proto) for el in at.sidebar.get("html"))


def test_the_phone_fold_script_is_sent_once_per_browser_session(ui_db, ui_company, admin_password):
    """The sidebar's fold-on-phones script installs a document listener that outlives its element: sent on the
    session's first run, not on every rerun (issue #17: fewer elements per rerun), and again to a new session
    (a reloaded page). tests/e2e/test_phone_login_and_menu.py checks the folding itself in a browser."""
    at = harness.new_app()
    at.run()
    assert _fold_scripts(at) == 1  # the login page's first run
    at.run()
    assert _fold_scripts(at) == 0
    assert _fold_scripts(harness.logged_in_app(ui_db, "admin", admin_password)) == 1


def _shape(container) -> list[str]:
    """The element types of a container, in order (what decides an element's place in the browser)."""
    return [type(node).__name__ + ":" + getattr(node, "type", "") for node in container.children.values()]


def test_elements_sent_on_some_runs_only_never_move_the_others(ui_db, ui_company, admin_password):
    """The login page's main area has the same elements in the same places on a browser session's first run and
    the next, and so has the signed-in page's, after a logout: the once-per-session scripts and the cookie
    component go last in the sidebar. (Sent first in the main area, the cookie-row script moved the sign-in form
    one place down on the next run: the browser rebuilt it and, while that run went on, showed two sign-in
    forms — tests/e2e caught it as two "用户名" fields.)"""
    at = harness.new_app()
    at.run()
    first_main, first_sidebar = _shape(at.main), _shape(at.sidebar)
    assert any("__erpFoldSidebar" in str(el.proto) for el in at.sidebar.get("html"))
    at.run()
    assert _shape(at.main) == first_main
    assert _shape(at.sidebar) == first_sidebar[:len(_shape(at.sidebar))]  # only the tail is gone
    signed_in = harness.logged_in_app(ui_db, "admin", admin_password)
    page_main = _shape(signed_in.main)
    signed_in.run()
    assert _shape(signed_in.main) == page_main
    # a logout deletes the cookie through its component: in the sidebar's tail, the form stays in place
    signed_in.button(key="erp_logout_button").click().run()
    after_logout = _shape(signed_in.main)
    signed_in.run()
    assert _shape(signed_in.main) == after_logout
