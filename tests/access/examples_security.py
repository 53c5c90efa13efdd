"""Access examples for erp_core.security (and the setup wizard)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from erp_core.kernel.clock import naive_utcnow
from erp_core.security import (
    ip_services,
    registration_services,
    role_services,
    session_services,
    user_services,
)
from erp_core.security.auth import login
from erp_core.security.models import Role
from tests.access.examples import covered_elsewhere, example

S = "erp_core.security."
PASSWORD = "Str0ng-Passw0rd!"

covered_elsewhere("erp_core.setup.services.run_setup", "tests/integration/test_setup_wizard_core.py")


def _role(env, code="viewer") -> int:
    with env.db.uow(readonly=True) as uow:
        from sqlalchemy import select

        return uow.session.execute(select(Role.id).where(Role.company_id == env.company_id,
                                                         Role.code == code)).scalar_one()


def _user(env, **kw) -> int:
    # No roles: a delegated administrator manages only accounts holding no more than they do, and the matrix's
    # actor holds nothing but the permission under test.
    return env.call(user_services.create_user, username=env.unique("acc"), display_name="Access", password=PASSWORD,
                    role_ids=[], must_change_password=False, **kw)


@example(S + "services.create_admin")
def _(env):
    return {"username": env.unique("adm"), "password": PASSWORD}


@example(S + "user_services.create_user")
def _(env):
    return {"username": env.unique("new"), "display_name": "New", "password": PASSWORD}


@example(S + "user_services.update_user")
def _(env):
    uid = _user(env)
    return {"user_id": uid, "version": env.call(user_services.get_user, user_id=uid).version,
            "display_name": "Edited"}


@example(S + "user_services.disable_user", S + "user_services.get_user", S + "reset_services.issue_reset_code",
         S + "session_services.sign_out_user_everywhere")
def _(env):
    return {"user_id": _user(env)}


@example(S + "user_services.set_user_roles")
def _(env):
    return {"user_id": _user(env), "role_ids": [_new_role(env)]}  # a role granting nothing the actor lacks


@example(S + "user_services.set_user_password")
def _(env):
    return {"user_id": _user(env), "password": "N3w-Passw0rd!x"}


@example(S + "user_services.enable_user")
def _(env):
    uid = _user(env)
    env.call(user_services.disable_user, user_id=uid)
    return {"user_id": uid}


@example(S + "user_services.unlock_user")
def _(env):
    uid = _user(env)
    username = env.call(user_services.get_user, user_id=uid).username
    for _ in range(env.db.settings.security.lockout_threshold):
        try:
            login(env.db, username, "wrong-password")
        except Exception:
            pass
    return {"user_id": uid}


@example(S + "user_services.list_users", S + "user_services.list_locked_users", S + "role_services.list_roles",
         S + "role_services.permission_catalog", S + "ip_services.list_ip_rules",
         S + "registration_services.list_pending_registrations", S + "registration_services.get_registration_open",
         S + "session_services.list_active_sessions", S + "audit_services.search_audit",
         S + "audit_services.verify_audit_chain", S + "audit_services.list_audit_archives",
         S + "audit_services.audit_anchor", S + "audit_services.check_audit_chain",
         S + "review_services.permission_matrix", S + "review_services.dormant_accounts",
         S + "review_services.administrators", S + "review_services.list_review_signoffs")
def _(env):
    return {}


@example(S + "audit_services.export_audit")
def _(env):
    return {"fmt": "xlsx"}


@example(S + "audit_services.archive_audit")
def _(env):
    # this installation archives entries of any age (security.audit_archive_min_days = 0): the example's are new
    sec = dataclasses.replace(env.db.settings.security, audit_archive_min_days=0)
    env.db.settings = dataclasses.replace(env.db.settings, security=sec)
    return {"before": naive_utcnow(), "out_path": str(Path(tempfile.mkdtemp()) / "archive.jsonl.gz")}


@example(S + "role_services.create_role")
def _(env):
    return {"code": env.unique("r"), "name_zh": "角色", "name_en": "Role"}


def _new_role(env) -> int:
    return env.call(role_services.create_role, code=env.unique("r"), name_zh="角色", name_en="Role")


@example(S + "role_services.update_role")
def _(env):
    rid = _new_role(env)
    return {"role_id": rid, "version": 1, "name_zh": "改", "name_en": "Changed"}


@example(S + "role_services.delete_role", S + "role_services.role_grants")
def _(env):
    return {"role_id": _new_role(env)}


@example(S + "role_services.set_role_grants")
def _(env):
    return {"role_id": _new_role(env), "grants": {"admin.role.grant": "department"}}  # within the actor's own


@example(S + "ip_services.add_ip_rule")
def _(env):
    return {"cidr": "10.0.0.0/8", "role_id": _new_role(env)}


@example(S + "ip_services.delete_ip_rule")
def _(env):
    return {"rule_id": env.call(ip_services.add_ip_rule, cidr="10.0.0.0/8", role_id=_new_role(env))}


def _pending(env) -> int:
    env.call(registration_services.set_registration_open, open=True)
    from erp_core.kernel.actor import Actor

    return registration_services.request_registration(
        env.db, Actor.anonymous(permissions=(registration_services.REGISTRATION_PERMISSION,)),
        username=env.unique("reg"), display_name="Visitor", password=PASSWORD)


@example(S + "registration_services.request_registration")
def _(env):
    env.call(registration_services.set_registration_open, open=True)
    return {"username": env.unique("reg"), "display_name": "Visitor", "password": PASSWORD}


@example(S + "registration_services.approve_registration")
def _(env):
    code = env.unique("r")
    env.call(role_services.create_role, code=code, name_zh="角色", name_en="Role")
    return {"user_id": _pending(env), "role_codes": [code]}


@example(S + "registration_services.reject_registration")
def _(env):
    return {"user_id": _pending(env), "reason": "unknown person"}


@example(S + "registration_services.set_registration_open")
def _(env):
    return {"open": True}


@example(S + "session_services.revoke_user_session")
def _(env):
    uid = _user(env)
    username = env.call(user_services.get_user, user_id=uid).username
    login(env.db, username, PASSWORD, client_ip="10.1.1.1")
    sessions = env.call(session_services.list_active_sessions, user_id=uid)
    return {"session_id": sessions[0].id}


@example(S + "review_services.record_review_signoff")
def _(env):
    return {"note": "Quarterly review: no findings"}


@example("erp_core.security.admin_page_queries.department_choices")
def _(env):
    return {"include_inactive": True}


@example(S + "user_services.set_user_projects")
def _(env):
    from erp_core.masterdata.org_services import create_project

    project = env.call(create_project, code=env.unique("P"), name="项目")
    return {"user_id": _user(env), "project_ids": [project]}


@example("erp_core.security.admin_page_queries.project_choices")
def _(env):
    return {"include_inactive": True}
