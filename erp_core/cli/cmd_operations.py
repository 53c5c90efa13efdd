"""`erp backup`, `erp backups`, `erp restore`, `erp verify`, `erp scheduler`, `erp upgrade`, `erp maintenance`
(docs/operations.md).
They act as the system actor (whoever may run the command on the server may read the database file anyway);
each is audited like the same action on the admin pages."""

from __future__ import annotations

import json
import sys

import click

from erp_core.cli.base import EXIT_VIOLATIONS, CliState, handles_errors, main, pass_state
from erp_core.i18n import t
from erp_core.kernel.actor import Actor


def _system() -> Actor:
    return Actor.system(reason="cli")


@main.command("backup")
@click.option("--full", "kind", flag_value="full", help="Start a new chain with every chunk written.")
@click.option("--incremental", "kind", flag_value="incremental", default=True,
              help="Write only what changed since the newest backup of the chain (default).")
@pass_state
@handles_errors
def backup_cmd(state: CliState, kind: str) -> None:
    """Back up the database and the app's files now. The backup's id is printed on the LAST line."""
    from erp_core.operations.services import create_backup

    db = state.database()
    try:
        result = create_backup(db, _system(), kind=kind)
    finally:
        db.dispose()
    click.echo(t("ops.cli.backup_done", state.locale, kind=result["kind"], stored=result["stored"]))
    click.echo(result["id"])


@main.command("backups")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
@handles_errors
def backups_cmd(state: CliState, as_json: bool) -> None:
    """List the backups, newest first, with their verification status."""
    from erp_core.operations.queries import list_backups

    db = state.database()
    try:
        rows = list_backups(db, _system())
    finally:
        db.dispose()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if not rows:
        click.echo(t("ops.cli.no_backups", state.locale))
    for r in rows:
        v = r["verification"]
        mark = "-" if v is None else ("OK" if v.get("ok") else "FAILED")
        click.echo(f"{r['id']:<28} {r['kind']:<12} {r['backend']:<10} {r['schema']:<18} "
                   f"{r['size']:>12} {'enc' if r['encrypted'] else '   '} {t('ops.cli.verified', state.locale)}: {mark}")


@main.command("restore")
@click.argument("backup_id", metavar="BACKUP")
@click.option("--to", "to_url", required=True, help="Database URL to restore into (a new, empty database).")
@click.option("--files-to", "files_dir", default="", help="Folder to extract the app's files into (optional).")
@click.option("--yes-overwrite-live", "confirm_live", is_flag=True,
              help="Allow --to to be the live database (a fresh backup of it is taken first).")
@pass_state
@handles_errors
def restore_cmd(state: CliState, backup_id: str, to_url: str, files_dir: str, confirm_live: bool) -> None:
    """Restore BACKUP into another database, then check it (`erp check` and the recorded figures)."""
    from erp_core.config import normalize_url
    from erp_core.operations.services import restore_backup

    url = normalize_url(to_url, __import__("pathlib").Path.cwd())
    db = state.database()
    try:
        result = restore_backup(db, _system(), backup_id=backup_id, to_url=url, files_dir=files_dir,
                                confirm_live=confirm_live)
    finally:
        db.dispose()
    if result.get("live"):
        click.echo(t("ops.cli.restored_live", state.locale, backup=backup_id, safety=result["safety_backup"]))
        return
    for p in result["problems"]:
        click.echo(f"  - {p}")
    click.echo(t("ops.cli.restored", state.locale, backup=backup_id, to=result["to"],
                 verdict=t("ops.verdict.ok" if result["ok"] else "ops.verdict.failed", state.locale)))
    if not result["ok"]:
        sys.exit(EXIT_VIOLATIONS)


@main.command("verify")
@click.argument("backup_id", metavar="BACKUP", required=False)
@pass_state
@handles_errors
def verify_cmd(state: CliState, backup_id: str | None) -> None:
    """Restore BACKUP (default: the newest) into a scratch database and check it. Exit 1 when it fails."""
    from erp_core.operations.queries import list_backups
    from erp_core.operations.services import verify_backup

    db = state.database()
    try:
        if backup_id is None:
            rows = [r for r in list_backups(db, _system()) if r["kind"] != "?"]
            if not rows:
                click.echo(t("ops.cli.no_backups", state.locale))
                sys.exit(EXIT_VIOLATIONS)
            backup_id = rows[0]["id"]
        result = verify_backup(db, _system(), backup_id=backup_id)
    finally:
        db.dispose()
    for p in result["problems"]:
        click.echo(f"  - {p}")
    click.echo(t("ops.cli.verified_result", state.locale, backup=backup_id, seconds=result["seconds"],
                 verdict=t("ops.verdict.ok" if result["ok"] else "ops.verdict.failed", state.locale)))
    if not result["ok"]:
        sys.exit(EXIT_VIOLATIONS)


@main.command("scheduler")
@click.option("--once", is_flag=True, help="Run what is due now, then exit (for cron or tests).")
@click.option("--poll", default=30.0, show_default=True, help="Seconds between passes.")
@click.option("--parent-pid", type=int, default=None,
              help="Stop when this process ends (./start.sh passes the server's PID: the scheduler lives as long "
                   "as the server).")
@pass_state
@handles_errors
def scheduler_cmd(state: CliState, once: bool, poll: float, parent_pid: int | None) -> None:
    """Run the scheduled jobs (backups, restore verification, integrity checks, ...) on their schedules."""
    from erp_core.operations import scheduler

    db = state.database()
    try:
        if once:
            scheduler.load_jobs()
            scheduler.sync_jobs(db)
            for r in scheduler.run_due(db):
                click.echo(f"{r.job}: {r.outcome} {r.message.splitlines()[0] if r.message else ''}")
            return
        scheduler.serve(db, poll_seconds=poll, parent_pid=parent_pid,
                        log=lambda s: click.echo(s, err=True))
    finally:
        db.dispose()


@main.command("upgrade")
@click.option("--no-dry-run", "no_dry_run", is_flag=True, help="Skip the dry run on a copy (not advised).")
@pass_state
@handles_errors
def upgrade_cmd(state: CliState, no_dry_run: bool) -> None:
    """Upgrade the database safely: backup, dry run on a copy, maintenance mode, migrate, checks, and an
    automatic rollback to the backup on any failure. Exit 1 unless the database ends at the new version."""
    from erp_core.operations.services import run_upgrade

    db = state.database()
    try:
        result = run_upgrade(db, _system(), dry_run=not no_dry_run)
    finally:
        db.dispose()
    for line in result["steps"]:
        click.echo(f"  {line}")
    click.echo(t(f"ops.upgrade.outcome.{result['outcome']}", state.locale, frm=result["from"], to=result["to"],
                 backup=result["backup"] or "-"))
    if result["outcome"] not in ("upgraded", "current"):
        sys.exit(EXIT_VIOLATIONS)


@main.command("maintenance")
@click.argument("action", type=click.Choice(["on", "off", "status"]))
@click.option("--reason", default="", help="The notice users see (required with on).")
@pass_state
@handles_errors
def maintenance_cmd(state: CliState, action: str, reason: str) -> None:
    """Maintenance mode: ON refuses every save in every app process using this database (users see a notice),
    OFF ends it, STATUS shows it. `erp upgrade` switches it on and off by itself."""
    from erp_core.operations import maintenance
    from erp_core.operations.services import set_maintenance

    db = state.database()
    try:
        if action != "status":
            set_maintenance(db, _system(), on=action == "on", reason=reason)
        notice = maintenance.read(db)
    finally:
        db.dispose()
    if notice:
        click.echo(t("ops3.cli.maintenance_on", state.locale, reason=notice.get("reason", "-"),
                     since=notice.get("since", "-"), by=notice.get("by", "-")))
    else:
        click.echo(t("ops3.cli.maintenance_off", state.locale))
