"""Pool rules (issue #15): claim cap, recycle after N days with a controlled clock, the warning k days before,
the former owner's cool-down, owner history; idempotent recycling; the scheduled job's entry point."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_core.crm.followups import services as fs
from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.models import CrmLead, CrmOwnerHistory
from erp_core.crm.pools import queries as pq
from erp_core.crm.pools import services as ps
from erp_core.crm.pools.recycle import recycle_pools
from erp_core.kernel.errors import DomainError, NotFound


def _pool(team, **kw) -> int:
    values = {"code": "EAST", "name": "华东公海", "daily_claim_cap": 2, "recycle_no_followup_days": 7,
              "warn_days_before": 2, "cooldown_days": 3, **kw}
    pid = ps.save_pool(team.db, team.admin, values=values)
    ps.set_pool_members(team.db, team.admin, pool_id=pid, user_ids=[team.users["li"], team.users["wang"]])
    return pid


def _leads(team, pid, n, prefix="客户") -> list[int]:
    return [ls.create_lead(team.db, team.admin, values={"company_name": f"{prefix}{i}号贸易", "phone": f"1390000{i:04d}",
                                                        "source": "website"}, pool_id=pid, assign="pool",
                           confirm_duplicates=True) for i in range(n)]


def test_claim_cap_per_person_per_day(team):
    pid = _pool(team)
    ids = _leads(team, pid, 4)
    li = team.actor("li")
    ps.claim_lead(team.db, li, lead_id=ids[0])
    ps.claim_lead(team.db, li, lead_id=ids[1])
    with pytest.raises(DomainError) as err:
        ps.claim_lead(team.db, li, lead_id=ids[2])
    assert err.value.message_id == "error.crm.claim_cap"
    ps.claim_lead(team.db, team.actor("wang"), lead_id=ids[2])  # the cap is per person
    team.clock.advance(days=1)
    ps.claim_lead(team.db, li, lead_id=ids[3])  # a new day
    with pytest.raises(NotFound):  # wang's lead is out of li's sight now
        ps.claim_lead(team.db, li, lead_id=ids[2])
    with pytest.raises(DomainError) as err:
        ps.claim_lead(team.db, team.admin, lead_id=ids[2])
    assert err.value.message_id == "error.crm.already_owned"


def test_recycle_after_n_days_warning_before_and_idempotent(team):
    pid = _pool(team)
    lead_id = _leads(team, pid, 1)[0]
    li = team.actor("li")
    ps.claim_lead(team.db, li, lead_id=lead_id)
    team.clock.advance(days=4, hours=23)
    assert ps.run_recycle(team.db, team.admin) == {"recycled": 0, "warned": 0}
    team.clock.advance(hours=1)  # 5 days: within k = 2 days of N = 7
    assert ps.run_recycle(team.db, team.admin) == {"recycled": 0, "warned": 1}
    assert ps.run_recycle(team.db, team.admin) == {"recycled": 0, "warned": 0}  # warned once
    warnings = pq.my_recycle_warnings(team.db, li)
    assert [w["id"] for w in warnings] == [lead_id]
    assert warnings[0]["recycle_at"] == team.clock.at + __import__("datetime").timedelta(days=2)
    team.clock.advance(days=2)
    assert recycle_pools(team.db, team.clock.at) == {"recycled": 1, "warned": 0}
    assert recycle_pools(team.db, team.clock.at) == {"recycled": 0, "warned": 0}  # idempotent
    lead = lq.get_lead(team.db, team.admin, lead_id=lead_id)
    assert lead["owner_id"] is None and lead["pool_id"] == pid
    assert [h["reason"] for h in lead["history"]] == ["create", "claim", "recycle"]
    assert lead["history"][-1]["from_owner_id"] == team.users["li"]


def test_a_follow_up_restarts_the_clock(team):
    pid = _pool(team)
    lead_id = _leads(team, pid, 1)[0]
    li = team.actor("li")
    ps.claim_lead(team.db, li, lead_id=lead_id)
    team.clock.advance(days=6)
    fs.add_followup(team.db, li, subject_type="lead", subject_id=lead_id, kind="call", content="聊了需求")
    team.clock.advance(days=6)
    assert ps.run_recycle(team.db, team.admin)["recycled"] == 0
    team.clock.advance(days=1)
    assert ps.run_recycle(team.db, team.admin)["recycled"] == 1


def test_recycle_for_no_progress(team):
    pid = _pool(team, recycle_no_followup_days=None, recycle_no_progress_days=10, warn_days_before=0)
    lead_id = _leads(team, pid, 1)[0]
    li = team.actor("li")
    ps.claim_lead(team.db, li, lead_id=lead_id)
    for _ in range(3):  # follow-ups alone are not progress
        team.clock.advance(days=3)
        fs.add_followup(team.db, li, subject_type="lead", subject_id=lead_id, kind="call", content="再联系")
    team.clock.advance(days=0, hours=1)  # contacted on day 3 was progress (new -> contacted)
    assert ps.run_recycle(team.db, team.admin)["recycled"] == 0
    team.clock.advance(days=4)
    assert ps.run_recycle(team.db, team.admin)["recycled"] == 1


def test_former_owner_cooldown(team):
    pid = _pool(team)
    lead_id = _leads(team, pid, 1)[0]
    li, wang = team.actor("li"), team.actor("wang")
    ps.claim_lead(team.db, li, lead_id=lead_id)
    ps.release_lead(team.db, li, lead_id=lead_id)
    team.clock.advance(days=1)
    with pytest.raises(DomainError) as err:
        ps.claim_lead(team.db, li, lead_id=lead_id)
    assert err.value.message_id == "error.crm.cooldown"
    ps.claim_lead(team.db, wang, lead_id=lead_id)  # others may
    ps.release_lead(team.db, wang, lead_id=lead_id)
    team.clock.advance(days=2, minutes=1)
    ps.claim_lead(team.db, li, lead_id=lead_id)  # cool-down over
    with team.db.uow(readonly=True) as uow:
        reasons = uow.session.execute(select(CrmOwnerHistory.reason).where(CrmOwnerHistory.lead_id == lead_id)
                                      .order_by(CrmOwnerHistory.id)).scalars().all()
    assert reasons == ["create", "claim", "release", "claim", "release", "claim"]


def test_max_owned_cap(team):
    pid = _pool(team, max_owned=1, daily_claim_cap=10)
    ids = _leads(team, pid, 2)
    li = team.actor("li")
    ps.claim_lead(team.db, li, lead_id=ids[0])
    with pytest.raises(DomainError) as err:
        ps.claim_lead(team.db, li, lead_id=ids[1])
    assert err.value.message_id == "error.crm.max_owned"


def test_only_pool_members_see_and_claim_pool_leads(team):
    pid = _pool(team)
    lead_id = _leads(team, pid, 1)[0]
    zhao = team.actor("zhao")  # not a member
    assert lq.list_leads(team.db, zhao, owner="pool").total == 0
    with pytest.raises(NotFound):
        ps.claim_lead(team.db, zhao, lead_id=lead_id)
    assert lq.list_leads(team.db, team.actor("li"), owner="pool").total == 1
    assert [p["unclaimed"] for p in pq.list_pools(team.db, team.actor("li"))] == [1]
    assert pq.list_pools(team.db, zhao) == []


def test_recycling_a_big_pool_touches_only_due_leads(team):
    pid = _pool(team, daily_claim_cap=100, warn_days_before=0)
    ids = _leads(team, pid, 30)
    li = team.actor("li")
    for lid in ids[:20]:
        ps.claim_lead(team.db, li, lead_id=lid)
    team.clock.advance(days=3)
    for lid in ids[20:]:
        ps.claim_lead(team.db, team.actor("wang"), lead_id=lid)
    team.clock.advance(days=4)
    assert ps.run_recycle(team.db, team.admin)["recycled"] == 20
    with team.db.uow(readonly=True) as uow:
        owned = uow.session.execute(select(func.count()).select_from(CrmLead).where(
            CrmLead.owner_id.is_not(None))).scalar_one()
    assert owned == 10
