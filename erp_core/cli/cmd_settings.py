"""`erp settings export KIND --format csv|xlsx --out FILE` (tax rates, currencies, exchange rates, units,
unit conversions, departments, projects, warehouses) and `erp settings rate-on` / `erp settings tax-on`:
the settings and organisation lists out of the command line, through the same queries as the pages."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from erp_core.cli.base import CliState, handles_errors, main, pass_state
from erp_core.i18n import t

# kind -> (module, query, columns as (row key, header catalog key), paged)
EXPORT_KINDS: dict[str, tuple[str, str, tuple[tuple[str, str], ...], bool]] = {
    "tax-rates": ("erp_core.settings.tax_queries", "list_tax_rates", (
        ("code", "field.settings.tax.code"), ("name_zh", "field.settings.tax.name_zh"),
        ("name_en", "field.settings.tax.name_en"), ("kind", "field.settings.tax.kind"),
        ("rate", "field.settings.tax.rate"), ("valid_from", "field.settings.tax.valid_from"),
        ("valid_to", "field.settings.tax.valid_to")), True),
    "currencies": ("erp_core.settings.currency_queries", "list_currencies", (
        ("code", "field.settings.currency.code"), ("name_zh", "field.settings.currency.name_zh"),
        ("name_en", "field.settings.currency.name_en"), ("decimals", "field.settings.currency.decimals"),
        ("active", "settings.active")), False),
    "exchange-rates": ("erp_core.settings.currency_queries", "list_exchange_rates", (
        ("currency_code", "field.settings.currency.code"), ("rate_date", "field.settings.rate.date"),
        ("rate", "field.settings.rate.rate")), True),
    "units": ("erp_core.settings.unit_queries", "list_units", (
        ("code", "field.settings.unit.code"), ("name_zh", "field.settings.unit.name_zh"),
        ("name_en", "field.settings.unit.name_en"), ("active", "settings.active")), False),
    "unit-conversions": ("erp_core.settings.unit_queries", "list_conversions", (
        ("from_code", "field.settings.unit.from_unit"), ("factor", "field.settings.unit.factor"),
        ("to_code", "field.settings.unit.to_unit")), False),
    "departments": ("erp_core.masterdata.org_queries", "list_departments", (
        ("code", "field.settings.department.code"), ("name", "field.settings.department.name"),
        ("parent_code", "field.settings.department.parent"), ("active", "settings.active")), True),
    "projects": ("erp_core.masterdata.org_queries", "list_projects", (
        ("code", "field.settings.project.code"), ("name", "field.settings.project.name"),
        ("department_name", "field.settings.project.department"),
        ("start_date", "field.settings.project.start_date"), ("end_date", "field.settings.project.end_date"),
        ("active", "settings.active")), True),
    "warehouses": ("erp_core.masterdata.warehouse_queries", "list_warehouses", (
        ("code", "field.settings.warehouse.code"), ("name", "field.settings.warehouse.name"),
        ("address", "field.settings.warehouse.address"), ("keeper", "field.settings.warehouse.keeper"),
        ("active", "settings.active")), True),
}


def export_rows(db, actor, kind: str) -> list[dict]:
    """Every row of list ``kind`` (all pages) as the actor may see it."""
    import importlib

    module, name, _, is_paged = EXPORT_KINDS[kind]
    fn = getattr(importlib.import_module(module), name)
    if not is_paged:
        return fn(db, actor)
    rows: list[dict] = []
    page = 1
    while True:
        result = fn(db, actor, page=page, page_size=500)
        rows += result.rows
        if len(rows) >= result.total or not result.rows:
            return rows
        page += 1


@main.group("settings")
def settings_group() -> None:
    """Company settings and organisation data: export lists, look up rates."""


@settings_group.command("export")
@click.argument("kind", type=click.Choice(sorted(EXPORT_KINDS)))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write ('-' for standard output, CSV only).")
@click.option("--company-id", type=int, default=None, help="Company (only needed when there are several).")
@pass_state
@handles_errors
def export_cmd(state: CliState, kind: str, fmt: str, out: Path, company_id: int | None) -> None:
    """Export a settings or organisation list (formula-safe CSV/XLSX, headers in the chosen language)."""
    from erp_core.cli.cmd_io import _company_actor
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes

    db = state.database()
    try:
        rows = export_rows(db, _company_actor(db, company_id), kind)
    finally:
        db.dispose()
    columns = EXPORT_KINDS[kind][2]
    headers = [t(h, state.locale) for _, h in columns]
    data = [[r.get(k) for k, _ in columns] for r in rows]
    payload = to_xlsx_bytes(headers, data, sheet=kind) if fmt == "xlsx" else to_csv_bytes(headers, data)
    if str(out) == "-":
        sys.stdout.buffer.write(payload)
        return
    out.write_bytes(payload)
    click.echo(t("settings.cli.exported", state.locale, count=len(rows), path=str(out)))


@settings_group.command("tax-on")
@click.argument("code")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Day (default today).")
@click.option("--company-id", type=int, default=None)
@pass_state
@handles_errors
def tax_on_cmd(state: CliState, code: str, on: dt.datetime | None, company_id: int | None) -> None:
    """Print the rate of tax CODE valid on a day (as a fraction, 0.13 = 13 %)."""
    from erp_core.cli.cmd_io import _company_actor
    from erp_core.settings.tax_queries import rate_on

    db = state.database()
    try:
        rate = rate_on(db, _company_actor(db, company_id), code=code, on=on.date() if on else dt.date.today())
        click.echo(format(rate.normalize(), "f"))
    finally:
        db.dispose()


@settings_group.command("rate-on")
@click.argument("currency")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Day (default today).")
@click.option("--company-id", type=int, default=None)
@pass_state
@handles_errors
def rate_on_cmd(state: CliState, currency: str, on: dt.datetime | None, company_id: int | None) -> None:
    """Print the exchange rate of CURRENCY to the base currency on a day (latest on or before it)."""
    from erp_core.cli.cmd_io import _company_actor
    from erp_core.settings.currency_queries import rate_on

    db = state.database()
    try:
        rate = rate_on(db, _company_actor(db, company_id), currency=currency,
                       on=on.date() if on else dt.date.today())
        click.echo(format(rate.normalize(), "f"))
    finally:
        db.dispose()
