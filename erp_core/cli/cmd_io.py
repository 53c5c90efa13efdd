"""`erp import KIND FILE [--dry-run]` and `erp export KIND --format csv|xlsx --out FILE` for every kind registered
in erp_core/io/registry.py (customers, suppliers, products, employees, categories, departments, projects,
warehouses, locations, accounts, opening-balances, and whatever a module registers). Both act as the system actor
of the installation's company (the `erp` command is run by the server's owner). Exit 1 when the file has any
problem (nothing is written)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from erp_core.cli.base import EXIT_USAGE, EXIT_VIOLATIONS, CliState, fail, handles_errors, main, pass_state
from erp_core.cli.groups import import_group
from erp_core.i18n import t
from erp_core.io.registry import ImportKind, export_kinds, import_kinds, kind_for_file
from erp_core.kernel.actor import Actor

IMPORT_KINDS = tuple(export_kinds())  # the kinds `erp export` writes (the master record lists, stock-on-hand)


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


def _import_command(spec: ImportKind):
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
    @click.option("--confirm-duplicates", is_flag=True,
                  help="Import rows that look like existing customers/suppliers anyway.")
    @click.option("--date", "opening_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="Kinds with a date parameter (opening-balances...): the date (YYYY-MM-DD).")
    @click.option("--company", "--company-id", "company_id", type=int, default=None,
              help="Company id (only needed when the database holds several).")
    @click.option("--encoding", default=None,
                  help="A CSV file's text encoding (utf-8, gb18030, big5...). Default: UTF-8 or GB18030 (GBK) "
                       "recognised; a file in neither is refused.")
    @pass_state
    @handles_errors
    def command(state: CliState, file: Path, dry_run: bool, confirm_duplicates: bool, opening_date,
                company_id: int | None, encoding: str | None, **flags: Any) -> None:
        from erp_core.io.importer import DuplicatesNotConfirmed, ImportFailed, read_table

        table = read_table(file.read_bytes(), file.name, encoding=encoding)
        kind = kind_for_file(spec.name, table.headers)  # e.g. a stock file given to opening-balances
        params: dict = {}
        for p in kind.params:
            if p.type == "date":
                params[p.name] = opening_date.date() if opening_date else None
            elif p.type == "flag":
                params[p.name] = bool(flags.get(p.name))
            elif p.type == "period":
                params[p.name] = flags.get(p.name) or ""
        extra = dict(params)
        if kind.confirms_duplicates:
            extra["confirm_duplicates"] = confirm_duplicates
        db = state.database()
        try:
            actor = _company_actor(db, company_id)
            actor = dataclasses.replace(actor, locale=state.locale)
            report = kind.dry_run(db, actor, table, **params)
            if report.ok and not dry_run:
                try:
                    report = kind.commit(db, actor, table, **extra)
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

    for p in spec.params:  # the kind's own options: yes/no switches (--post for documents), a month (--period)
        if p.type == "flag":
            command = click.option(p.option, p.name, is_flag=True, help=t(p.label, "en"))(command)
        elif p.type == "period":
            command = click.option(p.option, p.name, required=True, metavar="YYYY-MM",
                                   help=t(p.label, "en") + " (YYYY-MM)")(command)
    doc = (spec.dry_run.__doc__ or "").strip().splitlines()
    command.__doc__ = (f"Import {spec.name} from a CSV or XLSX file (headers in Chinese or English)"
                       + (f": {doc[0]}" if doc else "."))
    return command


for _spec in import_kinds().values():
    import_group.command(_spec.name)(_import_command(_spec))


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
    """Export a master record list with the same columns the import reads, or an export-only list such as
    stock-on-hand (formula-safe)."""
    db = state.database()
    try:
        actor = _company_actor(db, company_id)
        f = export_kinds()[kind].export(db, actor, fmt=fmt, locale=state.locale)
    finally:
        db.dispose()
    if str(out) == "-":
        sys.stdout.buffer.write(f.data)
        return
    out.write_bytes(f.data)
    click.echo(t("import.export_done", state.locale, count=f.rows, path=str(out)))
