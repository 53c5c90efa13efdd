"""Leads: duplicate detection (phone, tax ID, company name) and merge keeping every follow-up; conversion with
and without an existing customer (master-data duplicate check shown first); status flow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from erp_core.crm.followups import queries as fq
from erp_core.crm.followups import services as fs
from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.leads.services import LeadDuplicateWarning
from erp_core.crm.models import CrmOpportunity
from erp_core.kernel.errors import InvalidTransition, ValidationError, ValidationErrors
from erp_core.masterdata import partners_services
from erp_core.masterdata.models_partners import Customer, PartnerContact
from erp_core.masterdata.records import DuplicateWarning


def _lead(team, actor=None, **values) -> int:
    values = {"company_name": "长沙星辰贸易有限公司", "phone": "0731-8888 0000", "contact_name": "张三",
              "source": "exhibition", **values}
    return ls.create_lead(team.db, actor or team.actor("li"), values=values)


def test_duplicates_by_phone_tax_id_and_name(team):
    li = team.actor("li")
    _lead(team, tax_id="91430100MA4L000001")
    with pytest.raises(LeadDuplicateWarning) as err:  # same phone, other form
        _lead(team, company_name="完全不同", phone="+86 731 88880000")
    assert err.value.matches[0]["reasons"] == ["phone"]
    with pytest.raises(LeadDuplicateWarning) as err:
        _lead(team, company_name="别的公司", phone=None, tax_id="91430100MA4L000001")
    assert "tax_id" in err.value.matches[0]["reasons"]
    with pytest.raises(LeadDuplicateWarning) as err:
        _lead(team, company_name="星辰贸易", phone=None)  # 长沙 / 有限公司 stripped: the same name
    assert "name" in err.value.matches[0]["reasons"]
    assert ls.create_lead(team.db, li, values={"company_name": "星辰贸易"}, confirm_duplicates=True)
    assert len(lq.lead_duplicates(team.db, li, values={"company_name": "星辰贸易"})) == 2


def test_merge_keeps_every_follow_up(team):
    li = team.actor("li")
    a = _lead(team)
    b = ls.create_lead(team.db, li, values={"company_name": "星辰贸易", "phone": "13800000000", "region": "湖南"},
                       confirm_duplicates=True)
    for subject, text in ((a, "一"), (b, "二"), (b, "三")):
        fs.add_followup(team.db, li, subject_type="lead", subject_id=subject, kind="call", content=text)
    ls.merge_leads(team.db, li, survivor_id=a, duplicate_id=b)
    from erp_core.crm.integrity import lead_placed, owner_history

    assert lead_placed(team.db) == [] and owner_history(team.db) == []
    merged = lq.get_lead(team.db, li, lead_id=a)
    assert sorted(f["content"] for f in merged["followups"]) == ["一", "三", "二"]
    assert merged["region"] == "湖南"  # empty field filled from the duplicate
    assert lq.list_leads(team.db, li).total == 1  # the duplicate is gone from lists ...
    from erp_core.kernel.errors import NotFound

    with pytest.raises(NotFound):  # ... and from look-ups
        lq.get_lead(team.db, li, lead_id=b)


def test_conversion_creates_customer_after_the_master_data_duplicate_check(team):
    li = team.actor("li")
    partners_services.create_customer(team.db, team.admin, values={"code": "C001", "name": "长沙星辰贸易有限公司"})
    lead = _lead(team)
    candidates = lq.conversion_candidates(team.db, li, lead_id=lead)
    assert [c["code"] for c in candidates] == ["C001"]
    version = lq.get_lead(team.db, li, lead_id=lead)["version"]
    with pytest.raises(DuplicateWarning):
        ls.convert_lead(team.db, li, lead_id=lead, version=version, customer_code="C002")
    out = ls.convert_lead(team.db, li, lead_id=lead, version=version, customer_code="C002",
                          confirm_duplicates=True, opportunity={"name": "年度采购", "amount": "120000.50",
                                                                "close_date": dt.date(2026, 4, 30)})
    with team.db.uow(readonly=True) as uow:
        cust = uow.session.get(Customer, out["customer_id"])
        opp = uow.session.get(CrmOpportunity, out["opportunity_id"])
        assert (cust.code, cust.contact_name, cust.owner_id) == ("C002", "张三", team.users["li"])
        assert cust.department_id == team.dept_a
        assert (opp.customer_id, opp.amount, opp.owner_id) == (cust.id, Decimal("120000.50"), team.users["li"])
    assert lq.get_lead(team.db, li, lead_id=lead)["status"] == "converted"


def test_conversion_links_an_existing_customer_and_adds_the_contact(team):
    li = team.actor("li")
    cid = partners_services.create_customer(team.db, team.admin, values={"code": "C9", "name": "星辰",
                                                                         "contact_name": "李四"})
    lead = _lead(team)
    fs.add_followup(team.db, li, subject_type="lead", subject_id=lead, kind="visit", content="拜访")
    v = lq.get_lead(team.db, li, lead_id=lead)["version"]
    out = ls.convert_lead(team.db, li, lead_id=lead, version=v, customer_id=cid, opportunity=None)
    assert out == {"customer_id": cid, "opportunity_id": None}
    with team.db.uow(readonly=True) as uow:
        contacts = uow.session.execute(select(PartnerContact.name).where(PartnerContact.customer_id == cid)).all()
        assert [c[0] for c in contacts] == ["张三"]
        assert uow.session.execute(select(Customer).where(Customer.company_id == team.company_id)).scalars() \
            .all().__len__() == 1
    timeline = fq.customer_timeline(team.db, team.admin, customer_id=cid)
    assert [t["kind"] for t in timeline] == ["followup"]  # the lead's history follows the customer
    with pytest.raises(InvalidTransition):
        ls.convert_lead(team.db, li, lead_id=lead, version=None, customer_id=cid)


def test_status_flow_and_lost_reason(team):
    li = team.actor("li")
    lead = _lead(team)
    with pytest.raises(ValidationError):
        ls.change_lead_status(team.db, li, lead_id=lead, version=None, action="lose")
    assert ls.change_lead_status(team.db, li, lead_id=lead, version=None, action="lose",
                                 lost_reason="预算不足") == "lost"
    with pytest.raises(InvalidTransition):
        ls.change_lead_status(team.db, li, lead_id=lead, version=None, action="qualify")
    assert ls.change_lead_status(team.db, li, lead_id=lead, version=None, action="reopen") == "contacted"


def test_bad_input_names_the_field_and_writes_nothing(team):
    li = team.actor("li")
    with pytest.raises(ValidationErrors) as err:
        ls.create_lead(team.db, li, values={"company_name": " ", "source": "tv"})
    assert {e.params["field"] for e in err.value.errors} == {"field.crm.company_name", "field.crm.source"}
    assert lq.list_leads(team.db, li).total == 0
