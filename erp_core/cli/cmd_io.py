"""`erp import customers|suppliers|products|employees|categories|departments|projects|warehouses FILE [--dry-run]` and
`erp export <kind> --format csv|xlsx --out FILE`. Both act as the system actor of the installation's company
(the `erp` command is run by the server's owner). Exit 1 when the file has any problem (nothing is written)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click
from sqlalchemy import select

from erp_core.cli.base import EXIT_USAGE, EXIT_VIOLATIONS, CliState, fail, handles_errors, main, pass_state
from erp_core.cli.groups import import_group
from erp_core.i18n import t
from erp_core.kernel.actor import Actor

IMPORT_KINDS = ("customers", "suppliers", "products", "employees", "categories", "departments", "projects",
                "warehouses")


def _company_actor(db, company_id: int | None) -> Actor:
    from erp_core.masterdata.models import Company

    with db.uow(readonly=True) as uow:
        ids = list(uow.session.execute(select(Company.id).order_by(Company.id)).scalars())
    if company_id is None and len(ids) == 1:
        company_id = ids[0]
    if company_id not in ids:
        fail("--company: " + ", ".join(map(str, ids)) if ids else "no company (run setup first)", EXIT_USAGE)
    return Actor.system(company_id=company_id, reason="cli")


def _print_report(report, locale: str) -> None:
    for w in report.warnings:
        click.echo("! " + w.render(locale))
    for p in report.problems:
        click.echo("✗ " + p.render(locale))


def _functions(kind: str):
    if kind in ("accounts", "opening-balances"):
        from erp_core.io import ledger_import_services as lis

        if kind == "accounts":
            return lis.dry_run_accounts, lis.import_accounts
        return lis.dry_run_opening_balances, lis.import_opening_balances
    from erp_core.io import import_services

    return import_services.DRY_RUNS[kind], import_services.COMMITS[kind]


def _import_command(kind: str):
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
    @click.option("--confirm-duplicates", is_flag=True,
                  help="Import rows that look like existing customers/suppliers anyway.")
    @click.option("--date", "opening_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="opening-balances only: the date of the opening voucher (YYYY-MM-DD).")
    @click.option("--company", "--company-id", "company_id", type=int, default=None,
              help="Company id (only needed when the database holds several).")
    @pass_state
    @handles_errors
    def command(state: CliState, file: Path, dry_run: bool, confirm_duplicates: bool, opening_date,
                company_id: int | None) -> None:
        from erp_core.io.importer import DuplicatesNotConfirmed, ImportFailed, read_table

        table = read_table(file.read_bytes(), file.name)
        dry_fn, commit_fn = _functions(kind)
        extra: dict = {}
        if kind == "opening-balances":
            extra["opening_date"] = opening_date.date() if opening_date else None
        elif kind != "accounts":
            extra["confirm_duplicates"] = confirm_duplicates
        db = state.database()
        try:
            actor = _company_actor(db, company_id)
            actor = dataclasses.replace(actor, locale=state.locale)
            report = dry_fn(db, actor, table, **{k: v for k, v in extra.items() if k != "confirm_duplicates"})
            if report.ok and not dry_run:
                try:
                    report = commit_fn(db, actor, table, **extra)
                except (ImportFailed, DuplicatesNotConfirmed) as exc:
                    _print_report(exc.report, state.locale)
                    fail(t(exc.message_id, state.locale, **exc.params), EXIT_VIOLATIONS)
        finally:
            db.dispose()
        _print_report(report, state.locale)
        if not report.ok:
            fail(t("import.dry_run_failed", state.locale, count=len(report.problems)), EXIT_VIOLATIONS)
        key = "import.done" if report.committed else "import.dry_run_ok"
        click.echo(t(key, state.locale, created=report.created, updated=report.updated))

    command.__doc__ = (f"Import {kind} from a CSV or XLSX file (headers in Chinese or English); upsert by code."
                       if kind != "opening-balances" else
                       "Import opening balances as one posted opening voucher (--date YYYY-MM-DD).")
    return command


for _kind in (*IMPORT_KINDS, "accounts", "opening-balances"):
    import_group.command(_kind)(_import_command(_kind))


@main.command("export")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write ('-' for standard output, CSV only).")
@click.option("--company", "--company-id", "company_id", type=int, default=None,
              help="Company id (only needed when the database holds several).")
@pass_state
@handles_errors
def export_cmd(state: CliState, kind: str, fmt: str, out: Path, company_id: int | None) -> None:
    """Export a master record list with the same columns the import reads (formula-safe)."""
    from erp_core.io.export_queries import EXPORTS

    db = state.database()
    try:
        actor = _company_actor(db, company_id)
        f = EXPORTS[kind](db, actor, fmt=fmt, locale=state.locale)
    finally:
        db.dispose()
    if str(out) == "-":
        sys.stdout.buffer.write(f.data)
        return
    out.write_bytes(f.data)
    click.echo(t("import.export_done", state.locale, count=f.rows, path=str(out)))
