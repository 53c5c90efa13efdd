"""What a signed-in rerun sends (issue #17 item 4: with no think time a dashboard's latency is queueing behind the
server's CPU, and every element is a message the server builds, hashes, queues and writes): the login cookie's
components only on signed-out runs (the reader) and on the runs that write or delete the cookie, never on an
ordinary rerun of a signed-in page."""

from __future__ import annotations

from tests.ui import harness


def _cookie_components(at) -> list[str]:
    """The cookie manager's components of the last run, by method ("getAll", "set", "delete"), main and sidebar."""
    import json

    found = []
    for container in (at.main, at.sidebar):
        for node in container.get("component_instance"):
            args = json.loads(node.proto.json_args)
            if "method" in args:
                found.append(args["method"])
    return found


def test_the_cookie_component_is_sent_only_on_the_runs_that_write_the_cookie(ui_db, ui_company, admin_password):
    at = harness.new_app()
    at.run()
    assert _cookie_components(at) == ["getAll"]  # signed out: the reader, as before (its script loaded early)
    assert "getAll" in at.main.children[0].proto.json_args  # first in the main area, where it always was
    harness.login_with_form(at, "admin", admin_password)
    assert not at.exception
    assert _cookie_components(at) == ["set"]  # the run that signs in writes the cookie
    at.run()
    assert _cookie_components(at) == []  # an ordinary rerun of a signed-in page sends none
    at.button(key="erp_logout_button").click().run()
    assert _cookie_components(at) == ["getAll", "delete"]
    at.run()
    assert _cookie_components(at) == ["getAll"]


def test_a_cookie_from_an_earlier_visit_still_signs_in_without_the_reader(ui_db, ui_company, admin_password,
                                                                          monkeypatch):
    """The cookie is read from the request (st.context.cookies), not through the removed "getAll" component."""
    import time

    import jwt

    from erp_core.security.auth import login
    from ui import auth
    from ui.context import settings

    token = login(ui_db, "admin", admin_password, client_ip="127.0.0.1").token
    raw = jwt.encode({"username": "admin", "erp_token": token, "exp_date": time.time() + 3600},
                     settings().cookie_key(), algorithm="HS256")
    monkeypatch.setattr(auth.ErpCookieModel, "get_cookie", lambda self: auth.decode_cookie(raw, self.cookie_key))
    at = harness.new_app()
    at.run()
    assert not at.exception
    assert at.session_state[auth.TOKEN_KEY] == token
    assert _cookie_components(at) == []  # signed in from the first run: no reader


def test_the_user_menu_links_the_change_password_page_of_the_navigation(ui_db, ui_company, admin_password):
    """The link names the navigation's page object (no path resolution on the disk every rerun) and is the same
    link as before: the page's address and script hash, label and icon."""
    at = harness.logged_in_app(ui_db, "admin", admin_password)
    at.run()
    links = [link.proto for link in at.sidebar.get("page_link")]
    _key, nav, _landing = at.session_state["erp_nav_pages"]
    page = next(p for pages in nav.values() for p in pages if p.url_path == "account_password")
    assert [(link.page, link.page_script_hash, link.label, link.icon) for link in links] == [
        ("account_password", page._script_hash, "修改密码", ":material/password:")]
    at.switch_page("pages/auth/change_password.py").run()
    assert not at.exception


def test_the_navigation_pages_script_hashes_are_plain_attributes_after_the_first_run(ui_db, ui_company,
                                                                                     admin_password):
    """st.navigation reads every page's script hash about five times per rerun (~300 reads): after the first run
    each kept page holds it as a plain attribute (no call), and it is Streamlit's own hash of the page's address."""
    from streamlit.util import calc_hash

    at = harness.logged_in_app(ui_db, "admin", admin_password)
    at.run()
    _key, nav, _landing = at.session_state["erp_nav_pages"]
    pages = [p for group in nav.values() for p in group]
    assert len(pages) > 40
    for page in pages:
        assert page.__dict__["_script_hash"] == calc_hash(page._url_path)
