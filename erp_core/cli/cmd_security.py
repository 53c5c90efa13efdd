"""`erp audit verify` (exit 0 intact / 1 naming the first broken link), `erp audit archive --before DATE --out
FILE` (retention: move older entries to a JSONL.gz file, recorded and audited) and `erp audit verify-archive
FILE` (re-check an archive file on its own)."""

from __future__ import annotations

import datetime as dt
import sys

import click
from sqlalchemy import func, select

from erp_core.cli.base import EXIT_VIOLATIONS, CliState, handles_errors, pass_state
from erp_core.cli.groups import audit_group
from erp_core.i18n import t


@audit_group.command("verify")
@pass_state
@handles_errors
def audit_verify_cmd(state: CliState) -> None:
    """Walk the whole hash chain. Exit 1 and name the first broken link when an entry was edited, deleted or
    inserted."""
    from erp_core.security.audit import verify_chain
    from erp_core.security.models import AuditLog

    db = state.database()
    try:
        with db.uow(readonly=True) as uow:
            brk = verify_chain(uow.session)
            n = uow.session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    finally:
        db.dispose()
    if brk is None:
        click.echo(t("security.cli.verify_ok", state.locale, count=n))
        return
    click.echo(t("security.cli.verify_broken", state.locale, seq=brk.seq, id=brk.id if brk.id is not None else "-",
                 reason=brk.reason))
    sys.exit(EXIT_VIOLATIONS)


@audit_group.command("archive")
@click.option("--before", "before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Archive entries older than this date (UTC midnight), YYYY-MM-DD.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The archive file to write (JSON lines, gzip); never overwritten.")
@pass_state
@handles_errors
def audit_archive_cmd(state: CliState, before: dt.datetime, out: str) -> None:
    """Move audit entries older than --before to --out with their hashes; the chain still verifies after."""
    from erp_core.kernel.actor import Actor
    from erp_core.security.audit_services import archive_audit

    db = state.database()
    try:
        res = archive_audit(db, Actor.system(reason="cli"), before=before, out_path=out)
    finally:
        db.dispose()
    click.echo(t("security.cli.archive_done", state.locale, count=res.entry_count, from_seq=res.from_seq,
                 to_seq=res.to_seq, path=res.file_name, sha256=res.file_sha256))


@audit_group.command("verify-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@pass_state
@handles_errors
def audit_verify_archive_cmd(state: CliState, file: str) -> None:
    """Re-check an archive file: every entry's hash and its link to the previous one."""
    from erp_core.security.archive import verify_archive_file

    res = verify_archive_file(file)
    if res.ok:
        click.echo(t("security.cli.archive_file_ok", state.locale, count=res.count, first=res.first_seq,
                     last=res.last_seq))
        return
    click.echo(t("security.cli.archive_file_broken", state.locale, seq=res.broken_seq, reason=res.reason))
    sys.exit(EXIT_VIOLATIONS)
