"""run_action: a session that ended between page load and action sends the user to the login page."""

from streamlit.testing.v1 import AppTest

from erp_core.security.auth import login, logout
from erp_core.security.sessions import actor_for_token
from tests.support.factories import ADMIN_PASSWORD


def _page():
    import streamlit as st

    from erp_core.security.account_services import set_language
    from ui.actions import run_action

    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    if st.session_state.get("erp_actor") is not None:
        run_action(set_language, locale="en")
    st.write("after")


def test_ended_session_clears_the_login_and_reruns(ui_db, ui_company):
    actor = actor_for_token(ui_db, login(ui_db, "admin", ADMIN_PASSWORD).token)
    logout(ui_db, actor)  # e.g. signed out in another tab
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["erp_actor"] = actor
    at.session_state["erp_session_token"] = "stale"
    at.run()
    assert not at.exception
    assert "erp_actor" not in at.session_state and "erp_session_token" not in at.session_state
    assert at.session_state["erp_logout_reason"] == "logout"  # the session's own end reason, now known
    assert at.session_state["runs"] == 2  # rerun: app.py would now show the login page
    assert not at.error
