"""Migration 0043_crm5 fills the gram table for the leads already there (the triggers only see later writes),
and its downgrade removes the table, its triggers and helpers; upgraded again, short searches work. Every
backend, with real leads."""

from __future__ import annotations

from sqlalchemy import inspect, text

from erp_core.crm.leads import queries as lq
from erp_core.crm.leads import services as ls
from erp_core.db.migrate import downgrade, upgrade
from tests.support.factories import admin_actor, make_company

BEFORE = "0039_hr4"


def _expected(*names: str | None) -> set[str]:
    """Every 1- and 2-character substring, lower-cased, trailing space cut: MariaDB's PAD SPACE collations hold
    "y " and "y" as one key (either row serves: a search text is stripped, so never ends in a space)."""
    out: set[str] = set()
    for n in names:
        n = n or ""
        out |= {n[i:i + k].lower().rstrip() for k in (1, 2) for i in range(len(n) - k + 1)}
    return out


def test_existing_leads_get_their_grams_and_the_downgrade_removes_them(db):
    setup = make_company(db)
    admin = admin_actor(db, setup)
    leads = {ls.create_lead(db, admin, values={"company_name": name, "contact_name": contact, "source": "website"},
                            confirm_duplicates=True): (name, contact)
             for name, contact in (("华为技术", "张三"), ("ABC Trading", None), ("长沙华联", "Mary Li"))}
    downgrade(db.engine, BEFORE)
    assert "crm_lead_gram" not in inspect(db.engine).get_table_names()
    assert "crm_gram_pos" not in inspect(db.engine).get_table_names()
    upgrade(db.engine)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT lead_id, gram FROM crm_lead_gram")).all()
    got: dict[int, set[str]] = {}
    for lead_id, gram in rows:
        got.setdefault(lead_id, set()).add(gram.rstrip())
    assert got == {lead_id: _expected(*names) for lead_id, names in leads.items()}
    assert {r["company_name"] for r in lq.list_leads(db, admin, search="华").rows} == {"华为技术", "长沙华联"}
    assert [r["company_name"] for r in lq.list_leads(db, admin, search="ml").rows] == []
    assert [r["company_name"] for r in lq.list_leads(db, admin, search="tr").rows] == ["ABC Trading"]
    new = ls.create_lead(db, admin, values={"company_name": "株洲新线索", "source": "website"})
    assert [r["id"] for r in lq.list_leads(db, admin, search="株").rows] == [new]  # the triggers are back
