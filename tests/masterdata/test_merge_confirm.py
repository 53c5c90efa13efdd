"""Merging is confirmed against what was shown (issue #11 item 21): the merge use case needs the versions of both
records as the preview showed them; a call without them, or with a version someone has changed since, is refused
and nothing moves. The preview shows both records side by side, inside the actor's row scope."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.kernel.errors import ConcurrencyError, PermissionDenied, ValidationErrors
from erp_core.masterdata import merge_services as ms
from erp_core.masterdata import partners_queries as pq
from erp_core.masterdata import partners_services as ps
from erp_core.masterdata.models_partners import PartnerContact
from erp_core.masterdata.org_services import create_department
from tests.support.factories import actor, admin_actor


@pytest.fixture
def setup(db, company):
    return company, admin_actor(db, company)


def _pair(db, admin):
    create_department(db, admin, code="SALES-N", name="北区销售部", parent_id=None)
    a = ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司", "phone": "0731-88880000",
                                              "department": "SALES-N", "owner": admin.username,
                                              "credit_limit": "5000"})
    b = ps.create_customer(db, admin, values={"code": "C2", "name": "长沙星辰贸易"}, confirm_duplicates=True)
    ps.add_customer_contact(db, admin, customer_id=b, values={"name": "王经理", "phone": "13800001111"})
    return a, b


def _contacts_of(db, customer_id):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(PartnerContact).where(
            PartnerContact.customer_id == customer_id)).scalar_one()


def test_preview_shows_both_records_side_by_side(db, setup):
    company, admin = setup
    a, b = _pair(db, admin)
    cards = ms.merge_preview_customers(db, admin, survivor_id=a, duplicate_id=b)
    keep, away = cards["survivor"], cards["duplicate"]
    assert (keep["code"], keep["name"], keep["phone"]) == ("C1", "长沙星辰贸易有限公司", "0731-88880000")
    assert keep["department"] == "SALES-N 北区销售部" and keep["owner"].startswith(admin.username)
    assert keep["credit_limit"] == Decimal("5000") and keep["ledger_balance"] == Decimal("0")
    assert (away["code"], away["contacts"], away["department"]) == ("C2", ["王经理 13800001111"], None)
    assert keep["version"] >= 1 and away["version"] >= 1


def test_merge_without_the_shown_versions_is_refused_and_moves_nothing(db, setup):
    company, admin = setup
    a, b = _pair(db, admin)
    with pytest.raises(ValidationErrors) as err:
        ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b, survivor_version=None, duplicate_version=None)
    assert {e.message_id for e in err.value.errors} == {"error.masterdata.merge_unconfirmed"}
    with pytest.raises(TypeError):  # the versions are not optional: an old-style call does not run at all
        ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b)
    assert pq.get_customer(db, admin, customer_id=b)["merged_into"] is None
    assert _contacts_of(db, b) == 1


@pytest.mark.parametrize("changed", ["survivor", "duplicate"])
def test_merge_with_a_stale_version_is_refused_and_moves_nothing(db, setup, changed):
    company, admin = setup
    a, b = _pair(db, admin)
    cards = ms.merge_preview_customers(db, admin, survivor_id=a, duplicate_id=b)
    # someone edits one of the records after the preview was shown
    target = a if changed == "survivor" else b
    ps.edit_customer(db, admin, customer_id=target, version=cards[changed]["version"],
                     values={"address": "岳麓区"})
    with pytest.raises(ConcurrencyError):
        ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b, survivor_version=cards["survivor"]["version"],
                           duplicate_version=cards["duplicate"]["version"])
    assert pq.get_customer(db, admin, customer_id=b)["merged_into"] is None
    assert _contacts_of(db, b) == 1 and _contacts_of(db, a) == 0
    # with the versions of a fresh preview it goes through
    fresh = ms.merge_preview_customers(db, admin, survivor_id=a, duplicate_id=b)
    ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b, survivor_version=fresh["survivor"]["version"],
                       duplicate_version=fresh["duplicate"]["version"])
    assert pq.get_customer(db, admin, customer_id=b)["merged_into"] == a
    assert _contacts_of(db, a) == 1


def test_preview_applies_row_scope(db, setup):
    company, admin = setup
    a, b = _pair(db, admin)
    clerk = actor(company.company_id, {"masterdata.customer.merge": "own", "masterdata.customer.view": "own"})
    with pytest.raises(PermissionDenied):
        ms.merge_preview_customers(db, clerk, survivor_id=a, duplicate_id=b)
