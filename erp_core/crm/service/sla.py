"""SLA per priority (response and resolution in working hours), seeded per company on first use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmSla

DEFAULT_SLA = {"urgent": (1, 8), "high": (4, 16), "normal": (8, 40), "low": (16, 80)}


def sla_table(session: Session, company_id: int) -> dict[str, tuple[int, int]]:
    rows = session.execute(select(CrmSla).where(CrmSla.company_id == company_id)).scalars().all()
    if not rows:
        for prio, (resp, res) in DEFAULT_SLA.items():
            session.add(CrmSla(company_id=company_id, priority=prio, response_hours=resp, resolution_hours=res))
        session.flush()
        return dict(DEFAULT_SLA)
    return {r.priority: (r.response_hours, r.resolution_hours) for r in rows}
