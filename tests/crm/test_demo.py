"""The demo company's CRM year: leads over the months, follow-ups, won and lost opportunities, tickets; the
dashboard and the pipeline read it; recycling it twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
from random import Random

from erp_core.crm.dashboard import queries as dq
from erp_core.crm.opportunities import queries as oq
from erp_core.crm.pools import services as ps
from erp_core.masterdata import partners_services
from erp_core.setup.demo_crm import build_demo_crm


def test_demo_crm_year(team):
    customers = {f"C{i}": partners_services.create_customer(team.db, team.admin, values={
        "code": f"C{i}", "name": f"演示客户{i}号"}) for i in range(5)}
    today = team.clock.at.date()
    counts = build_demo_crm(team.db, admin=team.admin, customers=customers, start=today - dt.timedelta(days=360),
                            today=today, rng=Random(7))
    assert counts["leads"] == 240 and counts["tickets"] == 60
    assert counts["followups"] > 200 and counts["opportunities"] > 20
    wl = oq.won_lost(team.db, team.admin)
    assert wl["won"] > 0 and wl["lost"] > 0 and wl["reasons"]
    report = dq.crm_dashboard(team.db, team.admin, date_from=today - dt.timedelta(days=400), date_to=today)
    assert report["new_leads"] == 240 and report["tickets_by_status"]
    first = ps.run_recycle(team.db, team.admin)
    assert ps.run_recycle(team.db, team.admin) == {"recycled": 0, "warned": 0}
    assert first["recycled"] > 0  # old leads nobody followed for a month go back to the pools
    from erp_core.crm.integrity import lead_placed, owner_history

    assert lead_placed(team.db) == [] and owner_history(team.db) == []
