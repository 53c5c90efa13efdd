"""`erp check` invariants of the CRM (registered when the CRM's use cases are loaded, as run_checks does):

- crm.lead_placed: every open lead has an owner or sits in a pool (the issue's "never loses a lead");
- crm.owner_history: a lead's current owner is the one its last owner-history row gave it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from erp_core.checks import Problem, check
from erp_core.db.uow import Database

OPEN = ("new", "contacted", "qualified")


@check("crm.lead_placed")
def lead_placed(db: Database) -> list[Problem]:
    from erp_core.crm.models import CrmLead

    with db.uow(readonly=True) as uow:
        ids = uow.session.execute(select(CrmLead.id).where(
            CrmLead.owner_id.is_(None), CrmLead.pool_id.is_(None), CrmLead.status.in_(OPEN),
            CrmLead.merged_into.is_(None)).order_by(CrmLead.id).limit(20)).scalars().all()
    return [Problem("check.problem.crm_lead_unplaced", {"id": i}) for i in ids]


@check("crm.owner_history")
def owner_history(db: Database) -> list[Problem]:
    from erp_core.crm.models import CrmLead, CrmOwnerHistory

    last = select(CrmOwnerHistory.lead_id, func.max(CrmOwnerHistory.id).label("hid")) \
        .group_by(CrmOwnerHistory.lead_id).subquery()
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(
            select(CrmLead.id, CrmLead.owner_id, CrmOwnerHistory.to_owner_id)
            .join(last, last.c.lead_id == CrmLead.id).join(CrmOwnerHistory, CrmOwnerHistory.id == last.c.hid)
            .where(CrmLead.merged_into.is_(None))
            .where(func.coalesce(CrmLead.owner_id, -1) != func.coalesce(CrmOwnerHistory.to_owner_id, -1))
            .limit(20)).all()
    return [Problem("check.problem.crm_owner_history", {"id": i, "owner": o or "-", "history": h or "-"})
            for i, o, h in rows]
