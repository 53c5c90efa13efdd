"""`erp report trial-balance | balance-sheet | income-statement`: compute a report with DuckDB and write it as
CSV (stdout by default) or XLSX. Formats in docs/formats.md ("Reports")."""

from __future__ import annotations

from pathlib import Path

import click

from erp_core.cli.base import CliState, handles_errors, pass_state
from erp_core.cli.groups import report_group
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import ValidationError

TB_COLUMNS = ["account_code", "account_name", "opening_debit", "opening_credit", "period_debit", "period_credit",
              "closing_debit", "closing_credit"]
BS_COLUMNS = ["line_no", "item", "closing_amount", "opening_amount"]
IS_COLUMNS = ["line_no", "item", "period_amount", "year_to_date_amount"]


def _company_id(db, company: int | None) -> int:
    from sqlalchemy import select

    from erp_core.masterdata.models import Company

    with db.uow(readonly=True) as uow:
        ids = list(uow.session.execute(select(Company.id).order_by(Company.id)).scalars())
    if company is not None:
        if company not in ids:
            raise ValidationError("error.not_found", field="field.reports.company")
        return company
    if not ids:
        raise ValidationError("error.reports.no_company", field="field.reports.company")
    if len(ids) > 1:
        raise ValidationError("error.required", field="field.reports.company")
    return ids[0]


def _rows(df, columns: list[str]) -> list[list[object]]:
    out = []
    for rec in df[columns].itertuples(index=False):
        out.append(["" if v is None or (not isinstance(v, str) and _isna(v)) else
                    (int(v) if c == "line_no" else v) for c, v in zip(columns, rec, strict=True)])
    return out


def _isna(v: object) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _write(rows: list[list[object]], columns: list[str], fmt: str, out: str | None, sheet: str) -> None:
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes

    if fmt == "xlsx":
        if not out:
            raise click.UsageError("--format xlsx needs --out FILE")
        Path(out).write_bytes(to_xlsx_bytes(columns, rows, sheet=sheet))
        return
    data = to_csv_bytes(columns, rows)
    if out:
        Path(out).write_bytes(data)
    else:
        click.echo(data.decode("utf-8").lstrip("\ufeff"), nl=False)


def _run(state: CliState, company: int | None, fn, **kwargs):
    db = state.database()
    try:
        actor = Actor.system(company_id=_company_id(db, company), reason="cli")
        return fn(db, actor, locale=state.locale, **kwargs)
    finally:
        from erp_core.analytics.engine import forget

        forget(db)
        db.dispose()


_format = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
                       help="Output format (default: from the --out extension, else csv).")
_out = click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
                    help="Write to FILE instead of standard output.")
_company = click.option("--company", type=int, default=None, help="Company id (needed only when there are several).")


def _fmt(fmt: str | None, out: str | None) -> str:
    return fmt or ("xlsx" if out and out.lower().endswith(".xlsx") else "csv")


@report_group.command("trial-balance")
@click.option("--from", "period_from", required=True, metavar="YYYY-MM", help="First period.")
@click.option("--to", "period_to", required=True, metavar="YYYY-MM", help="Last period.")
@_format
@_out
@_company
@pass_state
@handles_errors
def trial_balance_cmd(state: CliState, period_from: str, period_to: str, fmt: str | None, out: str | None,
                      company: int | None) -> None:
    """Trial balance (科目余额表): opening, period and closing debit/credit per account, with a total row."""
    from erp_core.analytics import queries

    df = _run(state, company, queries.trial_balance, period_from=period_from, period_to=period_to)
    _write(_rows(df, TB_COLUMNS), TB_COLUMNS, _fmt(fmt, out), out, "trial_balance")


@report_group.command("balance-sheet")
@click.option("--period", required=True, metavar="YYYY-MM", help="The period whose end the sheet shows.")
@click.option("--standard", type=click.Choice(["small_business", "enterprise"]), default=None,
              help="Layout (default: the company's accounting standard).")
@_format
@_out
@_company
@pass_state
@handles_errors
def balance_sheet_cmd(state: CliState, period: str, standard: str | None, fmt: str | None, out: str | None,
                      company: int | None) -> None:
    """Balance sheet (资产负债表): closing amount and the year-start amount per statutory line."""
    from erp_core.analytics import queries

    df = _run(state, company, queries.balance_sheet, period=period, standard=standard)
    _write(_rows(df, BS_COLUMNS), BS_COLUMNS, _fmt(fmt, out), out, "balance_sheet")


@report_group.command("income-statement")
@click.option("--period", required=True, metavar="YYYY-MM", help="The period reported.")
@click.option("--standard", type=click.Choice(["small_business", "enterprise"]), default=None,
              help="Layout (default: the company's accounting standard).")
@_format
@_out
@_company
@pass_state
@handles_errors
def income_statement_cmd(state: CliState, period: str, standard: str | None, fmt: str | None, out: str | None,
                         company: int | None) -> None:
    """Income statement (利润表): the period's amount and the year to date per statutory line."""
    from erp_core.analytics import queries

    df = _run(state, company, queries.income_statement, period=period, standard=standard)
    _write(_rows(df, IS_COLUMNS), IS_COLUMNS, _fmt(fmt, out), out, "income_statement")
