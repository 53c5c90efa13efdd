"""`erp check --quality` (the data-quality part, printed after the integrity checks), `erp logs purge` (delete
rotated application log files older than [log] retention_days; audit entries are never touched) and
`erp logs errors` (the newest errors of the application log)."""

from __future__ import annotations

import click

from erp_core.cli.base import CliState, handles_errors, main, pass_state
from erp_core.i18n import t


def print_quality(db, locale: str) -> dict[str, int]:
    """Run the quality checks of every company, print a count per check and its first rows, record the run for
    the health page. Returns check -> count over all companies."""
    from sqlalchemy import select

    from erp_core.health.quality import QUALITY_CHECKS, run_quality
    from erp_core.health.status import record_quality_run
    from erp_core.kernel.clock import naive_utcnow, utcnow
    from erp_core.masterdata.models import Company

    started = naive_utcnow()
    totals = dict.fromkeys(QUALITY_CHECKS, 0)
    with db.uow(readonly=True) as uow:
        companies = uow.session.execute(select(Company.id, Company.name).order_by(Company.id)).all()
        click.echo(t("health.cli.quality_head", locale))
        for company in companies:
            if len(companies) > 1:
                click.echo(f"== {company.name}")
            for result in run_quality(uow.session, company.id, on=utcnow().date()):
                totals[result.code] += result.count
                mark = "OK " if result.ok else "!! "
                click.echo(f"[{mark}] {t('health.quality.' + result.code, locale)}: {result.count}")
                for row in result.rows[:5]:
                    click.echo("      - " + ", ".join(f"{k}={v}" for k, v in row.items()
                                                      if not k.endswith(("_id", "_en"))))
    record_quality_run(db, totals, started_at=started, ran_by="cli")
    click.echo(t("health.cli.quality_summary", locale, count=sum(totals.values())))
    return totals


@main.group("logs")
def logs_group() -> None:
    """The application log (rotating files in [log] folder)."""


@logs_group.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days (default: [log] retention_days, 90).")
@pass_state
@handles_errors
def logs_purge_cmd(state: CliState, days: int | None) -> None:
    """Delete rotated application log files older than the retention. The audit log is never deleted here
    (see `erp audit archive`)."""
    from erp_core.health.logs import purge_old_logs

    settings = state.settings
    removed = purge_old_logs(settings.log_dir, days or settings.log.retention_days)
    for name in removed:
        click.echo(f"  {name}")
    click.echo(t("health.cli.purged", state.locale, count=len(removed), folder=str(settings.log_dir)))


@logs_group.command("errors")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20)
@pass_state
@handles_errors
def logs_errors_cmd(state: CliState, limit: int) -> None:
    """Print the newest errors of the application log, newest first."""
    from erp_core.health.logs import recent_errors

    entries = recent_errors(state.settings.log_dir, limit=limit)
    for e in entries:
        click.echo(f"{e.at:%Y-%m-%d %H:%M:%S}Z {e.level} {e.logger} [{e.file}] {e.message[:300]}")
    click.echo(t("health.cli.errors", state.locale, count=len(entries)))
