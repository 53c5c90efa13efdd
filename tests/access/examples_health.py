"""Access examples for system health and data quality (engineer ops2)."""

from __future__ import annotations

from tests.access.examples import example

H = "erp_core.health.queries."


@example(H + "health_snapshot", H + "data_quality")
def _(env):
    return {}


@example(H + "export_quality")
def _(env):
    return {"code": "customers_without_tax_id", "fmt": "csv"}
