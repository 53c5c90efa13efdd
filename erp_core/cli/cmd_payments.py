"""`erp import payments FILE [--post] [--dry-run]` (数据初始化): payments from a CSV or XLSX file, all or nothing,
idempotent by payment number (erp_core/settlement/import_services.py, docs/formats.md). Acts as the system actor
of the installation's company. Exit 1 when the file has any problem (nothing is written)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from erp_core.cli.base import EXIT_VIOLATIONS, CliState, fail, handles_errors, pass_state
from erp_core.cli.cmd_io import _company_actor, _print_report
from erp_core.cli.groups import import_group
from erp_core.i18n import t


@import_group.command("payments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--post", is_flag=True, help="Post the payments at once (settle the invoices, write the vouchers).")
@click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
@click.option("--company", "--company-id", "company_id", type=int, default=None,
              help="Company id (only needed when the database holds several).")
@click.option("--encoding", default=None, help="A CSV file's text encoding (default: UTF-8 or GB18030 recognised).")
@pass_state
@handles_errors
def import_payments_cmd(state: CliState, file: Path, post: bool, dry_run: bool, company_id: int | None,
                        encoding: str | None) -> None:
    """Import payments (付款单) from a CSV or XLSX file: number, date, supplier code, amount, invoice number (blank:
    prepayment), account, remarks; rows with one number are one payment."""
    from erp_core.io.importer import ImportFailed, read_table
    from erp_core.settlement.import_services import dry_run_payments, import_payments

    table = read_table(file.read_bytes(), file.name, encoding=encoding)
    db = state.database()
    try:
        actor = dataclasses.replace(_company_actor(db, company_id), locale=state.locale)
        report = dry_run_payments(db, actor, table, post=post)
        if report.ok and not dry_run:
            try:
                report = import_payments(db, actor, table, post=post)
            except ImportFailed as exc:
                _print_report(exc.report, state.locale)
                fail(t(exc.message_id, state.locale, **exc.params), EXIT_VIOLATIONS)
    finally:
        db.dispose()
    _print_report(report, state.locale)
    if not report.ok:
        fail(t("import.dry_run_failed", state.locale, count=len(report.problems)), EXIT_VIOLATIONS)
    click.echo(t("import.done" if report.committed else "import.dry_run_ok", state.locale, created=report.created,
                 updated=0))
