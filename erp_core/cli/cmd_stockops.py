"""Inventory commands (formats in docs/formats.md):

- ``erp report stock-on-hand --as-of DATE``: warehouse_code,product_code,quantity,unit_cost,amount
- ``erp report stock-movement --from DATE --to DATE``: product_code,warehouse_code,opening_qty,opening_amount,
  in_qty,in_amount,out_qty,out_amount,closing_qty,closing_amount (收发存汇总表)
- ``erp import stock-transfers FILE [--post] [--dry-run]`` and ``erp import stocktakes FILE [--post] [--dry-run]``:
  all or nothing, problems listed by row, idempotent by the file's document numbers.
All act as the system actor of the installation's company."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from erp_core.cli.base import EXIT_VIOLATIONS, CliState, fail, handles_errors, pass_state
from erp_core.cli.cmd_reports import _company, _company_id, _fmt, _format, _out, _write
from erp_core.cli.groups import import_group, report_group
from erp_core.i18n import t
from erp_core.kernel.actor import Actor

SOH_COLUMNS = ["warehouse_code", "product_code", "quantity", "unit_cost", "amount"]
MOVEMENT_COLUMNS = ["product_code", "warehouse_code", "opening_qty", "opening_amount", "in_qty", "in_amount",
                    "out_qty", "out_amount", "closing_qty", "closing_amount"]
_date = click.DateTime(["%Y-%m-%d"])


def _plain(d):
    from erp_core.inventory.queries import _plain as plain

    return plain(d)


def _query(state: CliState, company: int | None, fn, **kwargs):
    db = state.database()
    try:
        actor = dataclasses.replace(Actor.system(company_id=_company_id(db, company), reason="cli"),
                                    locale=state.locale)
        return fn(db, actor, **kwargs)
    finally:
        db.dispose()


@report_group.command("stock-on-hand")
@click.option("--as-of", "as_of", type=_date, default=None, help="Day (YYYY-MM-DD, inclusive; default: everything).")
@_format
@_out
@_company
@pass_state
@handles_errors
def stock_on_hand_cmd(state: CliState, as_of, fmt: str | None, out: str | None, company: int | None) -> None:
    """Stock on hand (库存余额) per warehouse and product as of a day: quantity, average unit cost, amount."""
    from erp_core.inventory.queries import stock_on_hand

    result = _query(state, company, stock_on_hand, as_of=as_of.date() if as_of else None)
    rows = [[r["warehouse_code"], r["product_code"], _plain(r["quantity"]), _plain(r["avg_cost"]), r["value"]]
            for r in result.rows]
    _write(rows, SOH_COLUMNS, _fmt(fmt, out), out, "stock_on_hand")


@report_group.command("stock-movement")
@click.option("--from", "date_from", type=_date, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=_date, required=True, help="Last day (YYYY-MM-DD).")
@_format
@_out
@_company
@pass_state
@handles_errors
def stock_movement_cmd(state: CliState, date_from, date_to, fmt: str | None, out: str | None,
                       company: int | None) -> None:
    """Stock movement summary (收发存汇总表): opening, in, out, closing per product and warehouse."""
    from erp_core.stockops.report_queries import stock_movement_summary

    result = _query(state, company, stock_movement_summary, date_from=date_from.date(), date_to=date_to.date())
    rows = [[_plain(r[c]) if c.endswith("_qty") else r[c] for c in MOVEMENT_COLUMNS] for r in result.rows]
    _write(rows, MOVEMENT_COLUMNS, _fmt(fmt, out), out, "stock_movement")


def _import(kind: str):
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--post", is_flag=True, help="Post the documents too (stock moves and vouchers).")
    @click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
    @click.option("--company", "--company-id", "company_id", type=int, default=None,
                  help="Company id (only needed when the database holds several).")
    @click.option("--encoding", default=None, help="A CSV file's text encoding (default: UTF-8 or GB18030).")
    @pass_state
    @handles_errors
    def command(state: CliState, file: Path, post: bool, dry_run: bool, company_id: int | None,
                encoding: str | None) -> None:
        from erp_core.cli.cmd_io import _print_report
        from erp_core.io.importer import ImportFailed
        from erp_core.io.reading import read_table
        from erp_core.stockops import import_services as imp

        table = read_table(file.read_bytes(), file.name, encoding=encoding)
        check, run = ((imp.check_stock_transfers, imp.import_stock_transfers) if kind == "transfers"
                      else (imp.check_stocktakes, imp.import_stocktakes))
        try:
            report = _query(state, company_id, check, table=table)
            if report.ok and not dry_run:
                report = _query(state, company_id, run, table=table, post=post)
        except ImportFailed as exc:
            _print_report(exc.report, state.locale)
            fail(t(exc.message_id, state.locale, **exc.params), EXIT_VIOLATIONS)
        _print_report(report, state.locale)
        if not report.ok:
            fail(t("import.dry_run_failed", state.locale, count=len(report.problems)), EXIT_VIOLATIONS)
        key = "import.done" if report.committed else "import.dry_run_ok"
        click.echo(t(key, state.locale, created=report.created, updated=report.updated))

    command.__doc__ = ("Import stock transfers (调拨单), one per number, from CSV or XLSX." if kind == "transfers"
                       else "Import stocktakes (盘点单) with their counts, one per number, from CSV or XLSX.")
    return command


import_group.command("stock-transfers")(_import("transfers"))
import_group.command("stocktakes")(_import("stocktakes"))

