"""Pool recycling (公海回收): owned open leads go back to their pool when they had no follow-up for N days or no
stage progress for M days (per pool), with a warning k days before.

``recycle_pools(db, now)`` is the scheduled job (register it with the operations scheduler after merge); it is
idempotent: a second run at the same moment changes nothing. The use case ``run_recycle`` (``erp crm recycle``,
and the CRM pages on load until the scheduler exists) runs the same code for one company. Set-based: one
INSERT ... SELECT of the owner history and one UPDATE per pool, so a run over a million leads stays within seconds (bench/bench_crm.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, and_, insert, literal, null, or_, select, update
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmLead, CrmOwnerHistory, CrmPool

OPEN = ("new", "contacted", "qualified")


def _due_condition(pool: CrmPool, at: dt.datetime):
    parts = []
    if pool.recycle_no_followup_days:
        parts.append(CrmLead.last_followup_at <= at - dt.timedelta(days=pool.recycle_no_followup_days))
    if pool.recycle_no_progress_days:
        parts.append(CrmLead.last_progress_at <= at - dt.timedelta(days=pool.recycle_no_progress_days))
    return or_(*parts) if parts else None


def recycle_due_date(pool: CrmPool, lead: Any) -> dt.datetime | None:
    """When ``lead`` (owned) goes back to ``pool`` if nothing happens, by the pool's rules."""
    dates = []
    if pool.recycle_no_followup_days and lead.last_followup_at:
        dates.append(lead.last_followup_at + dt.timedelta(days=pool.recycle_no_followup_days))
    if pool.recycle_no_progress_days and lead.last_progress_at:
        dates.append(lead.last_progress_at + dt.timedelta(days=pool.recycle_no_progress_days))
    return min(dates) if dates else None


def recycle_company(session: Session, company_id: int, at: dt.datetime, *, by_user_id: int | None = None
                    ) -> dict[str, int]:
    """Recycle and warn for one company at moment ``at`` (naive UTC). Returns {"recycled", "warned"}."""
    recycled = warned = 0
    pools = session.execute(select(CrmPool).where(CrmPool.company_id == company_id,
                                                  CrmPool.active.is_(True))).scalars().all()
    for pool in pools:
        due = _due_condition(pool, at)
        if due is None:
            continue
        base = and_(CrmLead.company_id == company_id, CrmLead.pool_id == pool.id, CrmLead.owner_id.is_not(None),
                    CrmLead.status.in_(OPEN), CrmLead.merged_into.is_(None))
        # set-based: the owner history is written by INSERT ... SELECT and the leads released by one UPDATE of
        # the same condition (no ids through Python); the run's one audit entry is the caller's
        cols = [CrmOwnerHistory.company_id, CrmOwnerHistory.lead_id, CrmOwnerHistory.reason,
                CrmOwnerHistory.from_owner_id, CrmOwnerHistory.to_owner_id, CrmOwnerHistory.from_pool_id,
                CrmOwnerHistory.to_pool_id, CrmOwnerHistory.by_user_id, CrmOwnerHistory.at]
        picked = select(CrmLead.company_id, CrmLead.id, literal("recycle", String()), CrmLead.owner_id,
                        null(), literal(pool.id, Integer()), literal(pool.id, Integer()),
                        literal(by_user_id, Integer()), literal(at, CrmOwnerHistory.__table__.c.at.type)
                        ).where(base, due)
        session.execute(insert(CrmOwnerHistory).from_select([c.key for c in cols], picked))
        result = session.execute(update(CrmLead).where(base, due).values(
            owner_id=None, department_id=None, claimed_at=None, recycle_warned_at=None,
            last_followup_at=None, last_progress_at=None,
            version=CrmLead.version + 1).execution_options(synchronize_session=False))
        recycled += result.rowcount or 0
        if pool.warn_days_before:
            soon = _due_condition(pool, at + dt.timedelta(days=pool.warn_days_before))
            result = session.execute(update(CrmLead).where(base, soon, CrmLead.recycle_warned_at.is_(None))
                                     .values(recycle_warned_at=at)
                                     .execution_options(synchronize_session=False))
            warned += result.rowcount or 0
    return {"recycled": recycled, "warned": warned}


def anything_due(session: Session, company_id: int, at: dt.datetime) -> bool:
    """Would :func:`recycle_company` at ``at`` change anything (a lead to return or to warn)? One indexed
    existence probe per pool and rule, so a page can skip the use case (and its audit entry) when nothing is due."""
    pools = session.execute(select(CrmPool).where(CrmPool.company_id == company_id,
                                                  CrmPool.active.is_(True))).scalars().all()
    for pool in pools:
        base = and_(CrmLead.company_id == company_id, CrmLead.pool_id == pool.id, CrmLead.owner_id.is_not(None),
                    CrmLead.status.in_(OPEN), CrmLead.merged_into.is_(None))
        probes = [_due_condition(pool, at)]
        if pool.warn_days_before:
            soon = _due_condition(pool, at + dt.timedelta(days=pool.warn_days_before))
            probes.append(and_(soon, CrmLead.recycle_warned_at.is_(None)) if soon is not None else None)
        for cond in probes:
            if cond is not None and session.execute(select(CrmLead.id).where(base, cond).limit(1)).first():
                return True
    return False


def recycle_pools(db, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled job: every company, one transaction each, audited as the system actor."""
    from erp_core.kernel import clock
    from erp_core.kernel.actor import Actor
    from erp_core.masterdata.models import Company
    from erp_core.security import audit

    at = now or clock.naive_utcnow()
    totals = {"recycled": 0, "warned": 0}
    with db.uow(readonly=True) as uow:
        companies = list(uow.session.execute(select(Company.id)).scalars())
    for company_id in companies:
        with db.uow() as uow:
            result = recycle_company(uow.session, company_id, at)
            if not any(result.values()):
                continue  # nothing due: nothing written, not even an audit entry (idempotent)
            audit.append(uow.session, Actor.system(company_id=company_id, reason="crm-recycle"),
                         action="crm.recycle.run", entity="crm_pool", details={"result": result},
                         company_id=company_id)
            uow.commit()
        for k in totals:
            totals[k] += result[k]
    return totals
