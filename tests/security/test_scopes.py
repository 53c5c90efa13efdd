"""Row scope in the security lists: department scope (with sub-departments) and own-record scope hide other
rows in the user list, the session list and the audit viewer and its export; other companies never show."""

import pytest

from erp_core.kernel.errors import NotFound
from erp_core.masterdata.org_services import create_department
from erp_core.security.audit_services import AuditFilter, export_audit, search_audit
from erp_core.security.models import User
from erp_core.security.session_services import list_active_sessions
from erp_core.security.sessions import build_actor
from erp_core.security.user_services import get_user, list_users
from tests.security.helpers import new_user, session_actor, setup_company
from tests.support.factories import actor


def _actor_of(db, user_id):
    with db.uow(readonly=True) as uow:
        return build_actor(uow.session, uow.session.get(User, user_id), session_id=None, client_ip=None)


def test_department_scope_includes_sub_departments_and_hides_the_rest(db, company):
    company_id, admin = setup_company(db, company)
    sales = create_department(db, admin, code="S", name="销售部")
    east = create_department(db, admin, code="SE", name="华东区", parent_id=sales)
    hr = create_department(db, admin, code="H", name="人事部")
    boss = new_user(db, admin, "salesboss", department_id=sales)
    rep = new_user(db, admin, "eastrep", department_id=east)
    clerk = new_user(db, admin, "hrclerk", department_id=hr)
    base = _actor_of(db, boss)
    scoped = actor(company_id, {"admin.user.view": "department", "admin.session.view": "department",
                                "admin.audit.view": "own"}, user_id=boss, department_ids=base.department_ids)
    assert {u.id for u in list_users(db, scoped)} == {boss, rep}
    get_user(db, scoped, user_id=rep)
    with pytest.raises(NotFound):
        get_user(db, scoped, user_id=clerk)
    for name in ("salesboss", "eastrep", "hrclerk"):
        session_actor(db, name)
    assert {s.username for s in list_active_sessions(db, scoped)} == {"salesboss", "eastrep"}
    own = actor(company_id, {"admin.user.view": "own"}, user_id=rep)
    assert [u.id for u in list_users(db, own)] == [rep]
    # audit: own scope shows only the actor's own entries, in the viewer and in the export
    rows = search_audit(db, scoped, filters=AuditFilter(module="security")).rows
    assert rows and {r.user_id for r in rows} == {boss}
    csv_text = export_audit(db, scoped, fmt="csv").decode("utf-8-sig")
    assert "salesboss" in csv_text and "eastrep" not in csv_text and "hrclerk" not in csv_text


def test_other_companies_rows_never_show(db, company):
    company_id, admin = setup_company(db, company)
    new_user(db, admin, "mine")
    stranger = actor(company_id + 77, {"admin.user.view": "all", "admin.session.view": "all"})
    session_actor(db, "mine")
    assert list_users(db, stranger) == [] and list_active_sessions(db, stranger) == []
