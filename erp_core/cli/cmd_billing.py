"""Receivables commands (formats in docs/formats.md):

- ``erp report receivables --as-of DATE [--overdue]``: customer_code,customer_name,invoice_no,invoice_date,
  due_date,amount,settled,outstanding,days_overdue — one row per sales invoice open at the end of DATE (receipts
  dated after it ignored); ``--overdue``: only those past their due date.
(`erp import sales-invoices|receipts|fapiao` come from the import registry: erp_core/billing/import_services.py.)
Acts as the system actor of the installation's company."""

from __future__ import annotations

import dataclasses

import click

from erp_core.billing.queries import REPORT_COLUMNS
from erp_core.cli.base import CliState, handles_errors, pass_state
from erp_core.cli.cmd_reports import _company, _company_id, _fmt, _format, _out, _write
from erp_core.cli.groups import report_group
from erp_core.kernel.actor import Actor

_date = click.DateTime(["%Y-%m-%d"])


@report_group.command("receivables")
@click.option("--as-of", "as_of", type=_date, required=True, help="Day (YYYY-MM-DD, inclusive).")
@click.option("--overdue", is_flag=True, help="Only invoices past their due date (the overdue list).")
@_format
@_out
@_company
@pass_state
@handles_errors
def receivables_cmd(state: CliState, as_of, overdue: bool, fmt: str | None, out: str | None,
                    company: int | None) -> None:
    """Receivables (应收账款明细) as of a day: each open sales invoice with what was settled and is outstanding."""
    from erp_core.billing.queries import receivables_report

    db = state.database()
    try:
        actor = dataclasses.replace(Actor.system(company_id=_company_id(db, company), reason="cli"),
                                    locale=state.locale)
        rows = receivables_report(db, actor, as_of=as_of.date(), overdue_only=overdue)
    finally:
        db.dispose()
    _write([[r[c] for c in REPORT_COLUMNS] for r in rows], list(REPORT_COLUMNS), _fmt(fmt, out), out,
           "receivables")
