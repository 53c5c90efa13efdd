"""`erp import vouchers FILE [--post] [--dry-run] [--allow-reimport]`: import voucher lines from UTF-8 CSV or XLSX
(format in docs/formats.md). All or nothing: any problem prints a row-by-row report, writes nothing and exits 1.
Without --post the vouchers are drafts that another user reviews and posts; --post needs the company's 'allow
posting on import' setting (`erp finance import-posting --allow`, audited). A file whose vouchers were imported
before is refused unless --allow-reimport."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from erp_core.cli.base import EXIT_VIOLATIONS, CliState, fail, handles_errors, main, pass_state
from erp_core.cli.groups import import_group
from erp_core.i18n import t


@import_group.command("vouchers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--post", is_flag=True, help="Post the imported vouchers at once (needs `erp finance import-posting "
              "--allow`; otherwise they are drafts for another user to review and post).")
@click.option("--allow-reimport", is_flag=True, help="Import vouchers that an earlier import of the same file wrote.")
@click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
@click.option("--company-id", type=int, default=None, help="Company (only needed when there are several).")
@pass_state
@handles_errors
def import_vouchers_cmd(state: CliState, file: Path, post: bool, dry_run: bool, company_id: int | None,
                        allow_reimport: bool = False) -> None:
    """Import vouchers (one row per voucher line) from a CSV or XLSX file."""
    from erp_core.cli.cmd_io import _company_actor, _print_report
    from erp_core.finance.import_services import import_vouchers
    from erp_core.io.importer import ImportFailed, read_table

    table = read_table(file.read_bytes(), file.name)
    db = state.database()
    try:
        actor = dataclasses.replace(_company_actor(db, company_id), locale=state.locale)
        try:
            report = import_vouchers(db, actor, table, post=post, dry_run=dry_run, allow_reimport=allow_reimport)
        except ImportFailed as exc:
            _print_report(exc.report, state.locale)
            fail(t("import.dry_run_failed", state.locale, count=len(exc.report.problems)), EXIT_VIOLATIONS)
            return
    finally:
        db.dispose()
    _print_report(report, state.locale)
    if not report.ok:
        fail(t("import.dry_run_failed", state.locale, count=len(report.problems)), EXIT_VIOLATIONS)
    key = ("finance.import.posted" if post else "finance.import.done") if report.committed else \
        "finance.import.checked"
    click.echo(t(key, state.locale, vouchers=report.vouchers, lines=report.lines))


@main.group("finance")
def finance_group() -> None:
    """Finance settings that belong to the server's owner."""


@finance_group.command("import-posting")
@click.option("--allow/--forbid", "allow", required=True,
              help="--allow: imports may post without a second reviewer (a migration); --forbid: drafts only.")
@click.option("--company-id", type=int, default=None, help="Company (only needed when there are several).")
@pass_state
@handles_errors
def import_posting_cmd(state: CliState, allow: bool, company_id: int | None) -> None:
    """Allow or forbid posting on import for the company (audited)."""
    from erp_core.cli.cmd_io import _company_actor
    from erp_core.finance.import_services import set_import_posting

    db = state.database()
    try:
        set_import_posting(db, _company_actor(db, company_id), allowed=allow)
    finally:
        db.dispose()
    click.echo(t("finance.import_posting.allowed" if allow else "finance.import_posting.forbidden", state.locale))
