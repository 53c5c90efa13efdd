"""Scheduled jobs of the CRM (registered with erp_core/operations/scheduler.py's @job)."""

from __future__ import annotations

from erp_core.db.uow import Database
from erp_core.operations.scheduler import job


@job("crm.recycle", schedule="daily 02:30", zh="公海池线索回收", en="Return idle leads to their pools")
def recycle(db: Database) -> str:
    """The pools' recycling rules (idempotent; the leads pages also run it on load)."""
    from erp_core.crm.pools.recycle import recycle_pools

    result = recycle_pools(db)
    return ", ".join(f"{k} {v}" for k, v in sorted(result.items())) or "nothing due"
