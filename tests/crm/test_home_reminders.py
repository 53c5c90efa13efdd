"""The signed-in user's CRM reminders on the home page (issue #15 item 3): follow-ups due today and overdue,
own leads warned to go back to the pool, own open tickets past or near their SLA — counted for that user only,
with a clock the test controls."""

from __future__ import annotations

import datetime as dt

from erp_core.crm.followups import queries as fq
from erp_core.crm.followups import services as fs
from erp_core.crm.leads import services as ls
from erp_core.crm.service import services as ts
from erp_core.masterdata import partners_services
from tests.crm.conftest import T0


def test_reminders_count_the_users_own_items_by_day_and_sla(team):
    li, zhao = team.actor("li"), team.actor("zhao")
    today = dt.date(2026, 3, 2)  # T0 is Monday 10:00 in Shanghai
    lead = ls.create_lead(team.db, li, values={"company_name": "湘江电子"}, assign="self", confirm_duplicates=True)
    for day in (today, today, today - dt.timedelta(days=1), today + dt.timedelta(days=1)):
        fs.add_followup(team.db, li, subject_type="lead", subject_id=lead, kind="call", content="电话",
                        next_action="回访", next_action_date=day)
    done = fs.add_followup(team.db, li, subject_type="lead", subject_id=lead, kind="call", content="电话",
                           next_action="回访", next_action_date=today - dt.timedelta(days=3))
    fs.complete_next_action(team.db, li, followup_id=done)
    cust = partners_services.create_customer(team.db, team.admin, values={"code": "C1", "name": "客户一"},
                                             confirm_duplicates=True)
    urgent = ts.create_ticket(team.db, team.admin, customer_id=cust, title="停机", problem_kind="fault",
                              priority="urgent", assignee_id=team.users["li"])
    ts.create_ticket(team.db, team.admin, customer_id=cust, title="咨询", problem_kind="usage", priority="low",
                     assignee_id=team.users["li"])
    ts.create_ticket(team.db, team.admin, customer_id=cust, title="别人的", problem_kind="fault", priority="urgent",
                     assignee_id=team.users["zhao"])

    r = fq.home_reminders(team.db, li)
    assert r["followups_today"] == 2 and r["followups_overdue"] == 1 and r["recycle_warnings"] == 0
    # default SLA: urgent answers within a few working hours -> due soon, not yet breached; low is days away
    assert (r["tickets_breached"], r["tickets_due_soon"]) == (0, 1)

    team.clock.advance(days=1)  # Tuesday: yesterday's two are overdue now, tomorrow's is today; urgent is late
    r = fq.home_reminders(team.db, li)
    assert (r["followups_today"], r["followups_overdue"]) == (1, 3)
    assert r["tickets_breached"] == 1
    ts.change_ticket_status(team.db, team.admin, ticket_id=urgent, version=None, action="resolve")
    assert fq.home_reminders(team.db, li)["tickets_breached"] == 0  # resolved tickets no longer remind

    assert fq.home_reminders(team.db, zhao) == {"followups_today": 0, "followups_overdue": 0,
                                                "recycle_warnings": 0, "tickets_breached": 1, "tickets_due_soon": 0}
    assert T0.weekday() == 0
