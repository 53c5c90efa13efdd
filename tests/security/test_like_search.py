"""Issue #11 item 15: LIKE wildcards typed into the audit and user searches are literal (erp_core.db.like)."""

from __future__ import annotations

from erp_core.security.audit_services import AuditFilter, export_audit, search_audit
from erp_core.security.user_services import list_users
from tests.security.helpers import new_user, setup_company


def test_user_search_takes_wildcards_literally(db, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "ann", display_name="50% Off")
    new_user(db, admin, "bob", display_name="500 Off")
    new_user(db, admin, "cat", display_name="a_b")
    new_user(db, admin, "dan", display_name="axb")
    new_user(db, admin, "eve", display_name="back\\slash")

    def found(s):
        return sorted(u.username for u in list_users(db, admin, search=s))

    assert found("50%") == ["ann"]  # before: ann and bob ('%' matched anything)
    assert found("A_B") == ["cat"]  # before: cat and dan ('_' matched any one character); case still ignored
    assert found("%") == ["ann"]
    assert found("\\") == ["eve"]
    assert found("_") == ["cat"]


def test_audit_search_takes_wildcards_literally(db, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "xiao")
    everything = search_audit(db, admin).total
    assert everything > 0
    assert search_audit(db, admin, filters=AuditFilter(username="%")).total == 0  # before: every entry
    assert search_audit(db, admin, filters=AuditFilter(username="_")).total == 0
    assert search_audit(db, admin, filters=AuditFilter(module="a_min")).total == 0  # before: the admin.* entries
    assert search_audit(db, admin, filters=AuditFilter(module="%")).total == 0
    admin_entries = search_audit(db, admin, filters=AuditFilter(module="admin")).total
    assert 0 < admin_entries < everything
    assert search_audit(db, admin, filters=AuditFilter(username=admin.username.upper())).total > 0
    assert export_audit(db, admin, filters=AuditFilter(username="%")).decode("utf-8-sig").count("\n") == 1
