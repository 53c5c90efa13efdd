"""Access examples for the purchasing & stock dashboard (erp_core/purchasing/dashboard_queries.py)."""

from tests.access.examples import example

P = "erp_core.purchasing.dashboard_queries."


@example(P + "purchasing_dashboard_stamp")
def _(env):
    return {}


@example(P + "purchasing_dashboard")
def _(env):
    return {"year": 2026}
