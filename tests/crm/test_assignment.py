"""Assignment rules as data: round robin fairness over 1,000 leads, the region rule, the load cap, priority."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from erp_core.crm.leads import services as ls
from erp_core.crm.models import CrmLead
from erp_core.crm.pools import services as ps


def _pool(team) -> int:
    return ps.save_pool(team.db, team.admin, values={"code": "P", "name": "公海", "daily_claim_cap": 5})


def _owners(team) -> Counter:
    with team.db.uow(readonly=True) as uow:
        return Counter(uow.session.execute(select(CrmLead.owner_id)).scalars())


def _bulk_leads(team, pid: int, n: int, **values) -> None:
    """n unowned leads straight into the pool (the unit under test is the dealing, not creation)."""
    from erp_core.crm.leads.duplicates import lead_keys

    with team.db.uow() as uow:
        for i in range(n):
            key, pkey = lead_keys(f"批量{i}", None)
            uow.session.add(CrmLead(company_id=team.company_id, source=values.get("source", "import"),
                                    company_name=f"批量{i}", name_key=key, status="new", pool_id=pid,
                                    region=values.get("region"), version=1))
        uow.commit()


def test_round_robin_is_fair_over_1000_leads(team):
    pid = _pool(team)
    users = [team.users["li"], team.users["wang"], team.users["zhao"]]
    ps.save_assign_rule(team.db, team.admin, values={"kind": "round_robin", "user_ids": users})
    _bulk_leads(team, pid, 1000)
    assert ps.auto_assign_pool(team.db, team.admin, pool_id=pid) == {"assigned": 1000, "left": 0}
    counts = _owners(team)
    assert sorted(counts.values()) == [333, 333, 334]
    assert set(counts) == set(users)
    # the cursor carries on across runs: the next lead goes to whoever is next in turn
    _bulk_leads(team, pid, 2)
    ps.auto_assign_pool(team.db, team.admin, pool_id=pid)
    assert sorted(_owners(team).values()) == [334, 334, 334]


def test_region_rule_first_then_round_robin(team):
    pid = _pool(team)
    ps.save_assign_rule(team.db, team.admin, values={"kind": "region", "match_value": "湖南", "priority": 1,
                                                     "user_ids": [team.users["zhao"]]})
    ps.save_assign_rule(team.db, team.admin, values={"kind": "round_robin", "priority": 9,
                                                     "user_ids": [team.users["li"], team.users["wang"]]})
    hunan = ls.create_lead(team.db, team.admin, values={"company_name": "长沙星辰", "region": "湖南"},
                           pool_id=pid, assign="rules")
    other = ls.create_lead(team.db, team.admin, values={"company_name": "杭州明月", "region": "浙江"},
                           pool_id=pid, assign="rules")
    with team.db.uow(readonly=True) as uow:
        assert uow.session.get(CrmLead, hunan).owner_id == team.users["zhao"]
        assert uow.session.get(CrmLead, other).owner_id == team.users["li"]
        assert uow.session.get(CrmLead, hunan).department_id == team.dept_b  # the owner's team


def test_load_cap_stops_dealing_and_leaves_the_rest_in_the_pool(team):
    pid = _pool(team)
    ps.save_assign_rule(team.db, team.admin, values={"kind": "load_cap", "load_cap": 3,
                                                     "user_ids": [team.users["li"], team.users["wang"]]})
    _bulk_leads(team, pid, 10)
    assert ps.auto_assign_pool(team.db, team.admin, pool_id=pid) == {"assigned": 6, "left": 4}
    counts = _owners(team)
    assert counts[team.users["li"]] == 3 and counts[team.users["wang"]] == 3 and counts[None] == 4


def test_source_rule(team):
    pid = _pool(team)
    ps.save_assign_rule(team.db, team.admin, values={"kind": "source", "match_value": "exhibition",
                                                     "user_ids": [team.users["wang"]]})
    a = ls.create_lead(team.db, team.admin, values={"company_name": "展会客户", "source": "exhibition"},
                       pool_id=pid, assign="rules")
    b = ls.create_lead(team.db, team.admin, values={"company_name": "网站客户", "source": "website"},
                       pool_id=pid, assign="rules")
    with team.db.uow(readonly=True) as uow:
        assert uow.session.get(CrmLead, a).owner_id == team.users["wang"]
        assert uow.session.get(CrmLead, b).owner_id is None  # no rule matched: stays in the pool
