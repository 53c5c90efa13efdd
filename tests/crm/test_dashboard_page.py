"""The CRM dashboard under many reruns (issue #17): it keeps this browser session's figures while the stamp
(erp_core/analytics/stamps.py) stays the same, shows a change on the very next rerun, and what a salesperson's
session keeps is never shown to another salesperson (the scope-leak test of tests/analytics/test_dashboard_page.py
for the CRM's own-scope grants)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erp_core.crm.leads import services as ls
from erp_core.security.models import Role, User
from erp_core.security.sessions import build_actor
from erp_core.security.user_services import create_user
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import logged_in_app, ready_user

PAGE = "pages/crm/dashboard.py"
SECOND = "qian.xiaoshou"


def _actor(db, username):
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        return build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")


@pytest.fixture
def sales(ui_db, ui_company):  # noqa: F811
    """Two salespeople of the same role and team (own-scope grants), each with a lead of a source of their own."""
    admin = admin_actor(ui_db, ui_company)
    with ui_db.uow(readonly=True) as uow:
        wang = uow.session.execute(select(User).where(User.username == "wang.xiaoshou")).scalar_one()
        role_id = uow.session.execute(select(Role.id).where(Role.company_id == ui_company.company_id,
                                                            Role.code == "sales")).scalar_one()
        department_id = wang.department_id
    create_user(ui_db, admin, username=SECOND, display_name="钱销售", password="Qian-Sales-2026!",
                role_ids=[role_id], must_change_password=False, department_id=department_id)
    ls.create_lead(ui_db, _actor(ui_db, "wang.xiaoshou"), values={"company_name": "长沙五金王记", "source": "referral"},
                   confirm_duplicates=True)
    ls.create_lead(ui_db, _actor(ui_db, SECOND), values={"company_name": "湘潭钱氏食品", "source": "exhibition"},
                   confirm_duplicates=True)
    return ready_user(ui_db, SECOND, "Qian-Sales-2026!")


def _sources(at) -> dict[str, int]:
    """The leads-by-source table (shown with the figures toggle on): label -> count."""
    df = at.dataframe[1].value
    return dict(zip(df.iloc[:, 0], df.iloc[:, 1], strict=True))


def _new_leads(at) -> str:
    return at.metric[0].value


def test_dashboard_keeps_its_figures_until_something_changes(ui_db, sales, login_as):  # noqa: F811
    at = login_as("wang.xiaoshou").switch_page(PAGE).run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert not at.dataframe  # the tables only when asked for
    before = int(_new_leads(at))
    kept = at.session_state["crm_dash_memo"]
    at.run()
    assert at.session_state["crm_dash_memo"]["d"] is kept["d"]  # not read again: nothing changed
    assert int(_new_leads(at)) == before
    ls.create_lead(ui_db, _actor(ui_db, "wang.xiaoshou"), values={"company_name": "株洲新客户电器", "source": "phone"},
                   confirm_duplicates=True)
    at.run()
    assert not at.exception and not at.error
    assert int(_new_leads(at)) == before + 1  # seen on the very next rerun
    assert at.session_state["crm_dash_memo"]["d"] is not kept["d"]
    at.toggle(key="crm_dash_figures").set_value(True).run()
    assert not at.exception and len(at.dataframe) == 4
    assert _sources(at).get("电话") == 1


def test_a_salespersons_kept_figures_are_never_shown_to_another(ui_db, sales, login_as):  # noqa: F811
    """Two own-scope salespeople on the dashboard, rerunning in turn (one process, the same stamp): each keeps
    seeing only their own leads' figures."""
    wang = login_as("wang.xiaoshou").switch_page(PAGE).run()
    qian = logged_in_app(ui_db, SECOND, sales).switch_page(PAGE).run()
    for at in (wang, qian):
        at.toggle(key="crm_dash_figures").set_value(True).run()
        assert not at.exception and not at.error, (at.exception, at.error)
    # the same audit number: figures kept by the same stamp (each session turns the minute at its own second)
    assert wang.session_state["crm_dash_memo"]["due"][0] == qian.session_state["crm_dash_memo"]["due"][0]
    for _ in range(2):
        wang.run()
        qian.run()
        assert "转介绍" in _sources(wang) and "展会" not in _sources(wang)
        assert _sources(qian) == {"展会": 1}
        assert _new_leads(qian) == "1"


def test_figures_are_made_again_when_this_sessions_minute_turns(ui_db, sales, login_as):  # noqa: F811
    """SLA breaches depend on the clock: the figures are made again once this browser session's minute turns
    (at its own second of the minute, stamps.phased_bucket), never kept longer; not before."""
    import datetime as dt

    from erp_core.kernel import clock

    t0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    try:
        clock.set_clock(lambda: t0 + dt.timedelta(seconds=1))
        at = login_as("wang.xiaoshou").switch_page(PAGE)
        at.session_state["erp_refresh_phase"] = 20.0  # this session's minute turns at second 40
        at.run()
        assert not at.exception and not at.error, (at.exception, at.error)
        kept = at.session_state["crm_dash_memo"]["d"]
        clock.set_clock(lambda: t0 + dt.timedelta(seconds=39))
        at.run()
        assert at.session_state["crm_dash_memo"]["d"] is kept
        clock.set_clock(lambda: t0 + dt.timedelta(seconds=40))
        at.run()
        assert not at.exception and at.session_state["crm_dash_memo"]["d"] is not kept
    finally:
        clock.set_clock(None)
