"""Foundation commands: migrate/init, create-admin, demo, serve, check, version."""

from __future__ import annotations

import getpass
import os
import sys

import click

from erp_core import __version__
from erp_core.cli.base import EXIT_REFUSED, EXIT_VIOLATIONS, CliState, fail, handles_errors, main, pass_state
from erp_core.config import PROJECT_ROOT, redact_url
from erp_core.i18n import t
from erp_core.kernel.actor import Actor


@main.command("migrate")
@pass_state
@handles_errors
def migrate_cmd(state: CliState) -> None:
    """Create or upgrade the database schema to the latest version (Alembic)."""
    from erp_core.db.migrate import current_revision, upgrade

    db = state.database()
    try:
        before = current_revision(db.engine)
        upgrade(db.engine)
        after = current_revision(db.engine)
    finally:
        db.dispose()
    key = "cli.migrate.current" if before == after else "cli.migrate.done"
    click.echo(t(key, state.locale, before=before or "-", after=after,
                 url=redact_url(state.settings.database_url)))


main.add_command(migrate_cmd, "init")


@main.command("create-admin")
@click.option("--username", required=True, help="Login name of the new administrator.")
@click.option("--display-name", default="", help="Name shown in the interface.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of generating one.")
@pass_state
@handles_errors
def create_admin_cmd(state: CliState, username: str, display_name: str, password_stdin: bool) -> None:
    """Create an administrator. Without --password-stdin a random password is generated and printed once,
    and must be changed at first login."""
    from erp_core.security.services import create_admin
    from erp_core.setup.demo import generate_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
        generated = False
    else:
        password, generated = generate_password(), True
    db = state.database()
    try:
        create_admin(db, Actor.system(reason="cli"), username=username, password=password,
                     display_name=display_name, must_change_password=generated)
    finally:
        db.dispose()
    click.echo(t("cli.create_admin.done", state.locale, username=username))
    if generated:
        click.echo(t("cli.password_once", state.locale, username=username, password=password))


@main.command("demo")
@click.option("--lang", "demo_lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN",
              help="Default interface language of the demo company.")
@click.option("--activity/--no-activity", default=True,
              help="Also create a year of business: master records, twelve months of vouchers, closed months.")
@pass_state
@handles_errors
def demo_cmd(state: CliState, demo_lang: str, activity: bool) -> None:
    """Create the demo company (a Changsha trading company) in an EMPTY database, with one user per role.
    Passwords are generated and printed once."""
    from erp_core.db.migrate import upgrade
    from erp_core.setup.demo import DEMO_COMPANY, generate_password
    from erp_core.setup.services import SETUP_PERMISSION, needs_setup, run_setup

    db = state.database()
    try:
        upgrade(db.engine)
        if not needs_setup(db):
            fail(t("cli.demo.not_empty", state.locale), EXIT_REFUSED)
        admin_pw = generate_password()
        result = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), **DEMO_COMPANY,
                           admin_username="admin", admin_password=admin_pw, admin_display_name="系统管理员",
                           locale=demo_lang, load_demo=True)
        year = None
        if activity:
            from erp_core.setup.demo_year import build_demo_year

            click.echo(t("demo.cli.building", state.locale))
            year = build_demo_year(db, company_id=result.company_id, admin_user_id=result.admin_user_id)
    finally:
        db.dispose()
    click.echo(t("cli.demo.done", state.locale, company=DEMO_COMPANY["company_name"]))
    if year is not None:
        click.echo(t("demo.cli.year", state.locale, first=year.periods[0], last=year.periods[-1],
                     posted=year.posted, closed=len(year.closed), drafts=year.drafts, reviewed=year.reviewed))
    click.echo(t("cli.demo.passwords", state.locale))
    for username, pw in {"admin": admin_pw, **result.demo_passwords}.items():
        click.echo(f"  {username:<16} {pw}")


@main.command("serve")
@click.option("--address", default=None, help="Listen address (default: config app.address or ERP_ADDRESS).")
@click.option("--port", type=int, default=None, help="Port (default: config app.port or ERP_PORT).")
@pass_state
@handles_errors
def serve_cmd(state: CliState, address: str | None, port: int | None) -> None:
    """Start the web app (Streamlit) on the configured address and port."""
    settings = state.settings
    args = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
            f"--server.address={address or settings.address}", f"--server.port={port or settings.port}",
            "--server.headless=true"]
    click.echo(t("cli.serve.url", state.locale, url=f"http://{address or settings.address}:{port or settings.port}"))
    os.chdir(PROJECT_ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    os.execv(sys.executable, args)


@main.command("check")
@click.option("--quality", is_flag=True,
              help="Also run the data-quality checks (数据质量) of every company: counts and the first rows. "
                   "Findings are reported, not violations: the exit code still speaks of the integrity checks.")
@pass_state
@handles_errors
def check_cmd(state: CliState, quality: bool) -> None:
    """Run the integrity checks (schema version, audit chain, and each module's invariants).
    Exit code 1 when any check finds a violation. Each run is recorded for the health page."""
    from erp_core.checks import run_checks
    from erp_core.kernel.clock import naive_utcnow

    db = state.database()
    try:
        started = naive_utcnow()
        results = run_checks(db)
        _record_check_run(db, results, started)
        bad = 0
        for name, problems in results:
            mark = "OK " if not problems else "ERR"
            click.echo(f"[{mark}] {t('check.' + name, state.locale)}")
            for p in problems:
                click.echo(f"      - {p.render(state.locale)}")
            bad += len(problems)
        if quality and not results[0][1]:  # a schema that is not current: the quality checks' tables may differ
            from erp_core.cli.cmd_health import print_quality

            print_quality(db, state.locale)
    finally:
        db.dispose()
    click.echo(t("cli.check.summary", state.locale, count=bad))
    if bad:
        sys.exit(EXIT_VIOLATIONS)


def _record_check_run(db, results, started) -> None:
    """Keep what this run found for the health page; a database still without the table (not migrated yet)
    keeps nothing."""
    if results[0][1]:
        return
    from erp_core.health.status import record_check_run

    record_check_run(db, "integrity", results, started_at=started, ran_by="cli")


@main.command("version")
@pass_state
def version_cmd(state: CliState) -> None:
    """Print the ERP version and the schema version of the code and of the database."""
    from erp_core.db.migrate import current_revision, head_revision

    click.echo(f"erp {__version__}")
    click.echo(f"schema (code): {head_revision()}")
    try:
        db = state.database()
        try:
            click.echo(f"schema (database): {current_revision(db.engine) or '-'}")
        finally:
            db.dispose()
    except Exception as exc:  # version must work even without a reachable database
        click.echo(f"schema (database): ? ({type(exc).__name__})")
