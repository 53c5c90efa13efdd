"""The setup use case: creates the company and its administrator once, and never again."""

import pytest
from sqlalchemy import func, select

from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import Conflict, PermissionDenied, ValidationError, ValidationErrors
from erp_core.masterdata.models import Company
from erp_core.security.auth import login
from erp_core.security.models import AuditLog, User
from erp_core.setup.services import SETUP_PERMISSION, needs_setup, run_setup
from tests.support.factories import ADMIN_PASSWORD, make_company

WIZARD = Actor.anonymous(permissions=(SETUP_PERMISSION,))


def _count(db, model):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_setup_creates_company_and_admin_who_can_log_in(db):
    assert needs_setup(db)
    result = make_company(db)
    assert not needs_setup(db)
    assert _count(db, Company) == 1
    session = login(db, "admin", ADMIN_PASSWORD, client_ip="127.0.0.1")
    assert session.user_id == result.admin_user_id and session.token


def test_setup_cannot_run_twice(db):
    make_company(db)
    with pytest.raises(Conflict) as err:
        make_company(db)
    assert err.value.message_id == "error.setup.already_done"
    assert _count(db, Company) == 1


def test_bad_input_names_every_field_and_writes_nothing(db):
    audit_before = _count(db, AuditLog)
    with pytest.raises(ValidationErrors) as err:
        run_setup(db, WIZARD, company_name="", tax_id="91430100MA4L08K3QX", admin_username="a",
                  admin_password="short")
    fields = {e.field for e in err.value.errors}
    assert {"field.company.name", "field.company.tax_id", "field.admin.username", "field.admin.password"} <= fields
    assert _count(db, Company) == 0 and _count(db, User) == 0
    assert _count(db, AuditLog) == audit_before


def test_single_problem_is_a_plain_validation_error(db):
    with pytest.raises(ValidationError) as err:
        run_setup(db, WIZARD, company_name="公司", tax_id="123", admin_username="admin",
                  admin_password="Good-Pass-123!")
    assert err.value.field == "field.company.tax_id"


def test_visitor_without_setup_permission_is_refused_and_audited(db):
    with pytest.raises(PermissionDenied):
        run_setup(db, Actor.anonymous(), company_name="x", tax_id="x", admin_username="x", admin_password="x")
    with db.uow(readonly=True) as uow:
        last = uow.session.execute(select(AuditLog.action, AuditLog.outcome).order_by(AuditLog.seq.desc())
                                   .limit(1)).one()
    assert tuple(last) == (SETUP_PERMISSION, "denied")
    assert _count(db, Company) == 0


def test_demo_users_get_generated_distinct_passwords(db):
    result = make_company(db, load_demo=True)
    pws = result.demo_passwords
    assert len(pws) >= 5 and len(set(pws.values())) == len(pws)
    user, pw = next(iter(pws.items()))
    assert login(db, user, pw).must_change_password


def test_password_confirmation_mismatch_is_reported_with_the_other_problems(db):
    with pytest.raises(ValidationErrors) as err:
        run_setup(db, WIZARD, company_name="", tax_id="91430100MA4L08K3QJ", admin_username="admin",
                  admin_password=ADMIN_PASSWORD, admin_password_confirm=ADMIN_PASSWORD + "x")
    by_field = {e.field: e.message_id for e in err.value.errors}
    assert by_field == {"field.company.name": "error.required",
                        "field.wizard.password_confirm": "error.wizard.password_mismatch"}
    assert _count(db, Company) == 0
