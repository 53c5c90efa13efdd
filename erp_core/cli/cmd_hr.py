"""HR commands: `erp payroll run --period YYYY-MM [--lock]`,
`erp report payroll --period YYYY-MM [--format csv|xlsx] [--out FILE]`. Formats in docs/formats.md.
`erp import payroll-inputs|sad-ytd` come from the import registry (erp_core/hr/payroll/import_services.py), like
every other import, so they are on the import page too."""

from __future__ import annotations

import click

from erp_core.cli.base import CliState, handles_errors, main, pass_state
from erp_core.cli.groups import report_group

REPORT_COLUMNS = ["employee_code", "employee_name", "gross_pay", "employee_social_insurance",
                  "employee_housing_fund", "special_additional_deductions", "cumulative_taxable_income",
                  "iit_withheld", "net_pay"]
_company = click.option("--company", "company_id", type=int, default=None,
                        help="Company id (only needed when the database holds several).")


def _actor(db, company_id):
    from erp_core.cli.cmd_io import _company_actor

    return _company_actor(db, company_id)


@main.group("payroll")
def payroll_group() -> None:
    """Payroll runs (工资表)."""


@payroll_group.command("run")
@click.option("--period", required=True, metavar="YYYY-MM", help="The payroll month.")
@click.option("--lock", is_flag=True, help="Approve (lock) the run after computing it.")
@click.option("--post", "post", is_flag=True, help="Also post its voucher (implies --lock).")
@_company
@pass_state
@handles_errors
def payroll_run_cmd(state: CliState, period: str, lock: bool, post: bool, company_id: int | None) -> None:
    """Compute the company's payroll of a month (a draft run is recomputed), optionally lock and post it."""
    from erp_core.hr.payroll import queries as pq
    from erp_core.hr.payroll import services as pay

    db = state.database()
    try:
        actor = _actor(db, company_id)
        live = [r for r in pq.list_runs(db, actor, period_from=period, period_to=period)
                if r["reverses_id"] is None and r["reversed_by_id"] is None and r["department_id"] is None]
        if live and live[0]["status"] == "draft":
            run_id = live[0]["run_id"]
            pay.recompute_payroll_run(db, actor, run_id=run_id, version=live[0]["version"])
        elif live:
            run_id = live[0]["run_id"]
        else:
            run_id = pay.create_payroll_run(db, actor, period=period)
        detail = pq.run_detail(db, actor, run_id=run_id)
        if (lock or post) and detail["status"] == "draft":
            pay.approve_payroll_run(db, actor, run_id=run_id)
        if post and pq.run_detail(db, actor, run_id=run_id)["status"] == "approved":
            pay.post_payroll_run(db, actor, run_id=run_id)
        detail = pq.run_detail(db, actor, run_id=run_id)
    finally:
        db.dispose()
    t = detail["totals"]
    click.echo(f'{detail["number"]} {detail["period"]} {detail["status"]}: {len(detail["payslips"])} employees, '
               f'gross {t["gross_pay"]:.2f}, iit {t["iit_withheld"]:.2f}, net {t["net_pay"]:.2f}')


@report_group.command("payroll")
@click.option("--period", required=True, metavar="YYYY-MM", help="The payroll month.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Output format (default: from the --out extension, else csv).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE instead of standard output.")
@_company
@pass_state
@handles_errors
def payroll_report_cmd(state: CliState, period: str, fmt: str | None, out: str | None,
                       company_id: int | None) -> None:
    """The payroll report of a month: one row per payslip of the live (not reversed) runs."""
    from erp_core.cli.cmd_reports import _fmt, _write
    from erp_core.hr.payroll import queries as pq

    db = state.database()
    try:
        rows = pq.payroll_report(db, _actor(db, company_id), period=period)
    finally:
        db.dispose()
    _write([[r[c] for c in REPORT_COLUMNS] for r in rows], REPORT_COLUMNS, _fmt(fmt, out), out, "payroll")
