"""`erp check` finds CRM rows the use cases would never leave behind (written here behind their back): an open
lead with neither owner nor pool, an owner that differs from the lead's owner history."""

from __future__ import annotations

from sqlalchemy import text

from erp_core.checks import run_checks
from erp_core.crm.leads import services as ls


def _problems(db) -> dict[str, list[str]]:
    return {name: [p.message_id for p in found] for name, found in run_checks(db)
            if name.startswith("crm.") and found}


def test_clean_crm_has_no_problems_and_corruption_is_reported(team):
    a = ls.create_lead(team.db, team.actor("li"), values={"company_name": "甲"})
    b = ls.create_lead(team.db, team.actor("li"), values={"company_name": "乙公司"}, confirm_duplicates=True)
    assert _problems(team.db) == {}
    with team.db.engine.begin() as conn:
        conn.execute(text("UPDATE crm_lead SET owner_id = NULL, pool_id = NULL WHERE id = :a"), {"a": a})
        conn.execute(text("UPDATE crm_lead SET owner_id = :u WHERE id = :b"), {"b": b, "u": team.users["zhao"]})
    found = _problems(team.db)
    assert found == {"crm.lead_placed": ["check.problem.crm_lead_unplaced"],
                     "crm.owner_history": ["check.problem.crm_owner_history"] * 2}
