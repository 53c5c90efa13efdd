"""Row scope (issue #15 item 6), enforced in erp_core: a salesperson sees their own leads, customers' follow-ups
and opportunities plus the pools they belong to, never another's by id, list, export or report; a team lead
sees the team's; a manager sees all."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.crm.dashboard import queries as dq
from erp_core.crm.followups import queries as fq
from erp_core.crm.followups import services as fs
from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.opportunities import queries as oq
from erp_core.crm.opportunities import services as os_
from erp_core.kernel.errors import NotFound
from erp_core.masterdata import partners_services


@pytest.fixture
def world(team):
    li, zhao = team.actor("li"), team.actor("zhao")
    w = {"li_lead": ls.create_lead(team.db, li, values={"company_name": "李记五金", "source": "phone"}),
         "zhao_lead": ls.create_lead(team.db, zhao, values={"company_name": "赵氏电器", "source": "website"})}
    cust = partners_services.create_customer(team.db, team.admin, values={"code": "C1", "name": "共同客户"})
    w["li_opp"] = os_.create_opportunity(team.db, li, customer_id=cust, name="李的商机", amount="100",
                                         close_date=dt.date(2026, 3, 31))
    w["zhao_opp"] = os_.create_opportunity(team.db, zhao, customer_id=cust, name="赵的商机", amount="200",
                                           close_date=dt.date(2026, 3, 31))
    fs.add_followup(team.db, zhao, subject_type="lead", subject_id=w["zhao_lead"], kind="call", content="秘密")
    return w


def test_salesperson_cannot_read_anothers_lead_by_id_list_export_or_report(team, world):
    li = team.actor("li")
    with pytest.raises(NotFound):
        lq.get_lead(team.db, li, lead_id=world["zhao_lead"])
    with pytest.raises(NotFound):
        fq.list_followups(team.db, li, subject_type="lead", subject_id=world["zhao_lead"])
    with pytest.raises(NotFound):
        fs.add_followup(team.db, li, subject_type="lead", subject_id=world["zhao_lead"], kind="call", content="x")
    with pytest.raises(NotFound):
        ls.edit_lead(team.db, li, lead_id=world["zhao_lead"], version=None, values={"region": "x"})
    assert [r["company_name"] for r in lq.list_leads(team.db, li).rows] == ["李记五金"]
    headers, rows = lq.export_leads(team.db, li)
    assert [r[1] for r in rows] == ["李记五金"]
    assert [o["name"] for o in oq.list_opportunities(team.db, li)] == ["李的商机"]
    with pytest.raises(NotFound):
        oq.get_opportunity(team.db, li, opportunity_id=world["zhao_opp"])
    _, opp_rows = oq.export_opportunities(team.db, li)
    assert [r[1] for r in opp_rows] == ["李的商机"]
    report = dq.crm_dashboard(team.db, li)
    assert report["leads_by_source"] == {"phone": 1}
    assert [f["count"] for f in report["funnel"]] == [1]
    assert report["followups"] == []
    # duplicates never name another's lead
    dups = lq.lead_duplicates(team.db, li, values={"company_name": "赵氏电器"})
    assert dups == [{"id": None, "company_name": None, "phone": None, "tax_id": None, "owner_id": None,
                     "status": None, "reasons": ["hidden"], "score": 0, "hidden": 1}]


def test_team_lead_sees_the_team_manager_sees_all(team, world):
    wang_lead = ls.create_lead(team.db, team.actor("wang"), values={"company_name": "王家食品"})
    lead_a = team.actor("lead_a", scope="department")
    assert sorted(r["company_name"] for r in lq.list_leads(team.db, lead_a).rows) == ["李记五金", "王家食品"]
    assert lq.get_lead(team.db, lead_a, lead_id=wang_lead)["owner_id"] == team.users["wang"]
    with pytest.raises(NotFound):
        lq.get_lead(team.db, lead_a, lead_id=world["zhao_lead"])
    assert [o["name"] for o in oq.list_opportunities(team.db, lead_a)] == ["李的商机"]
    assert dq.crm_dashboard(team.db, lead_a)["followups"] == []  # 赵 is in the other team
    boss = team.actor("boss", scope="all")
    assert lq.list_leads(team.db, boss).total == 3
    assert len(oq.list_opportunities(team.db, boss)) == 2
    assert dq.crm_dashboard(team.db, boss)["new_leads"] == 3


def test_an_own_scope_salesperson_cannot_hand_a_lead_out_of_reach(team, world):
    from erp_core.crm.pools import services as ps
    from erp_core.kernel.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        ps.assign_lead(team.db, team.actor("li"), lead_id=world["li_lead"], owner_id=team.users["zhao"])
    assert lq.get_lead(team.db, team.actor("li"), lead_id=world["li_lead"])["owner_id"] == team.users["li"]
