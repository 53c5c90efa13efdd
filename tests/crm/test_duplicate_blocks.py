"""The similar-name duplicate look-up reads indexed blocks (first / last two characters of the name key), not
substrings of every lead (issue #15 item 9 at 1 M leads): a lead written by a Core insert (import, demo, bench)
gets its blocks from the column defaults, and look-alikes sharing only the head or only the tail are found."""

from __future__ import annotations

from sqlalchemy import insert, select

from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.crm.models import CrmLead


def test_blocks_filled_on_every_path_and_similar_names_found_by_head_or_tail(team):
    li = team.actor("li", "all")
    made = ls.create_lead(team.db, li, values={"company_name": "长沙星辰电子有限公司"}, assign="self",
                          confirm_duplicates=True)
    with team.db.uow() as uow:
        uow.session.execute(insert(CrmLead), [{"company_id": team.company_id, "source": "import", "version": 1,
                                               "company_name": "新星辰电子", "name_key": "新星辰电子", "status": "new",
                                               "created_at": team.clock.at}])
        uow.commit()
    with team.db.uow(readonly=True) as uow:
        rows = dict(uow.session.execute(select(CrmLead.name_key, CrmLead.name_head + "|" + CrmLead.name_tail)).all())
    assert rows == {"星辰电子": "星辰|电子", "新星辰电子": "新星|电子"}
    ls.edit_lead(team.db, li, lead_id=made, version=None, values={"company_name": "星辰光电股份有限公司"})
    with team.db.uow(readonly=True) as uow:
        assert uow.session.get(CrmLead, made).name_tail == "光电"

    by_head = lq.lead_duplicates(team.db, li, values={"company_name": "星辰光电科技有限公司"})
    assert [m["company_name"] for m in by_head] == ["星辰光电股份有限公司"]  # the edited name's blocks
    by_tail = lq.lead_duplicates(team.db, li, values={"company_name": "湘新星辰电子"})
    assert [m["company_name"] for m in by_tail] == ["新星辰电子"] and by_tail[0]["reasons"] == ["similar_name"]


def test_pages_recycle_only_when_something_is_due_so_a_quiet_load_writes_no_audit_entry(team):
    from sqlalchemy import func

    from erp_core.crm.pools import queries as pq
    from erp_core.crm.pools import services as ps
    from erp_core.security.models import AuditLog

    boss = team.actor("boss", "all")
    pool = ps.save_pool(team.db, team.admin, values={"code": "R", "name": "回收池", "daily_claim_cap": 5,
                                                     "recycle_no_followup_days": 10, "warn_days_before": 2})
    ps.set_pool_members(team.db, team.admin, pool_id=pool, user_ids=[team.users["li"]])
    lead = ls.create_lead(team.db, team.admin, values={"company_name": "麓山机械"}, pool_id=pool, assign="pool",
                          confirm_duplicates=True)
    ps.claim_lead(team.db, team.actor("li"), lead_id=lead)
    assert pq.recycle_due(team.db, boss) is False
    team.clock.advance(days=8, hours=1)  # inside the warning window
    assert pq.recycle_due(team.db, boss) is True
    assert ps.run_recycle(team.db, boss) == {"recycled": 0, "warned": 1}
    assert pq.recycle_due(team.db, boss) is False  # warned once; nothing more until the lead is due
    team.clock.advance(days=2)
    assert pq.recycle_due(team.db, boss) is True
    assert ps.run_recycle(team.db, boss)["recycled"] == 1
    assert pq.recycle_due(team.db, boss) is False
    with team.db.uow(readonly=True) as uow:
        runs = uow.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "crm.recycle.run")).scalar_one()
    assert runs == 2
