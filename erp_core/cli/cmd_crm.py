"""`erp crm recycle [--at YYYY-MM-DD HH:MM]`: return overdue leads to their pools and mark the warnings, for
every company (crm.pools.recycle.recycle_pools, the job the operations scheduler runs; idempotent). Leads are
imported and exported through `erp import leads` / `erp export leads|opportunities|tickets`."""

from __future__ import annotations

import datetime as dt

import click

from erp_core.cli.base import CliState, handles_errors, main, pass_state
from erp_core.i18n import t


@main.group("crm")
def crm_group() -> None:
    """CRM maintenance (客户关系)."""


@crm_group.command("recycle")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%d"]), default=None,
              help="Run as of this UTC moment instead of now (catching up a missed run).")
@pass_state
@handles_errors
def recycle_cmd(state: CliState, at: dt.datetime | None) -> None:
    """Recycle the public pools of every company now."""
    from erp_core.crm.pools.recycle import recycle_pools

    db = state.database()
    try:
        result = recycle_pools(db, at)
    finally:
        db.dispose()
    click.echo(t("crm.recycled", state.locale, **result))
