"""The demo year's costing: before a month closes, its costing run (成本计算) is done when the month moved stock
(the period close refuses otherwise). Called by one line of demo_year."""

from __future__ import annotations

from typing import Any


def cost_period(db: Any, accountant: Any, period: str) -> int | None:
    """Run the costing of ``period`` when it moved stock and has no current run; returns the run id if run."""
    from erp_core.costing.run_queries import period_costing_state
    from erp_core.costing.run_services import run_costing

    state = period_costing_state(db, accountant, period=period)
    if state.ok:
        return None
    return run_costing(db, accountant, period=period)
