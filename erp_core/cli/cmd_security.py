"""`erp audit verify [--anchor A]` (exit 0 intact / 1 naming the first broken link), `erp audit anchor` (print
the verified head for safekeeping outside the database), `erp audit archive --before DATE --out
FILE` (retention: move older entries to a JSONL.gz file, recorded and audited) and `erp audit verify-archive
FILE` (re-check an archive file on its own)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from erp_core.cli.base import EXIT_VIOLATIONS, CliState, handles_errors, pass_state
from erp_core.cli.groups import audit_group
from erp_core.i18n import t

_ARCHIVES = click.option("--archives", "archives_dir", type=click.Path(file_okay=False),
                         help="Folder holding archive files moved away from their recorded path.")
_KEY_FILE = click.option("--key-file", "key_file", type=click.Path(dir_okay=False),
                         help="HMAC key of the anchors (else ERP_AUDIT_ANCHOR_KEY or security.audit_anchor_key_file).")


@audit_group.command("verify")
@click.option("--anchor", "anchor", default=None,
              help="An anchor printed earlier by `erp audit anchor`, or a file of them (one per line): the chain "
                   "must still hold each one, so deleting the newest entries is detected.")
@_KEY_FILE
@_ARCHIVES
@pass_state
@handles_errors
def audit_verify_cmd(state: CliState, anchor: str | None, key_file: str | None, archives_dir: str | None) -> None:
    """Walk the whole hash chain, the archived prefix checked against its files. Exit 1 and name the first
    broken link when an entry was edited, deleted or inserted, an archive file is missing or altered, the chain
    head is gone, or the chain no longer holds a saved anchor."""
    from erp_core.security.audit_anchor import load_key, parse_anchors, verify_with_anchors

    anchors = parse_anchors(anchor) if anchor else []
    key = load_key(key_file, state.settings) if anchors else None
    db = state.database()
    try:
        with db.uow(readonly=True) as uow:
            brk, head = verify_with_anchors(uow.session, anchors, key, archives_dir)
    finally:
        db.dispose()
    if brk is None:
        click.echo(t("security.cli.verify_ok", state.locale, count=head.live_count))
        click.echo(t("audit.cli.head", state.locale, seq=head.last_seq, hash=head.last_hash))
        if anchors:
            click.echo(t("audit.cli.anchors_ok", state.locale, count=len(anchors)))
        return
    click.echo(t("security.cli.verify_broken", state.locale, seq=brk.seq if brk.seq is not None else "-",
                 id=brk.id if brk.id is not None else "-", reason=brk.reason))
    click.echo(t(f"admin_ui.audit.reason.{brk.reason}", state.locale))
    sys.exit(EXIT_VIOLATIONS)


@audit_group.command("anchor")
@click.option("--out", "out", type=click.Path(dir_okay=False),
              help="Also append the anchor line to this file (keep it on other storage than the database).")
@_KEY_FILE
@_ARCHIVES
@pass_state
@handles_errors
def audit_anchor_cmd(state: CliState, out: str | None, key_file: str | None, archives_dir: str | None) -> None:
    """Verify the chain and print its head as an anchor line (sequence, hash and, when a key is configured, an
    HMAC). Keep the line outside the database; `erp audit verify --anchor` later proves nothing was cut off."""
    from erp_core.security.audit import verify_chain_head
    from erp_core.security.audit_anchor import load_key, sign

    key = load_key(key_file, state.settings)
    db = state.database()
    try:
        with db.uow(readonly=True) as uow:
            brk, head = verify_chain_head(uow.session, archives_dir=archives_dir)
    finally:
        db.dispose()
    if brk is not None:
        click.echo(t("security.cli.verify_broken", state.locale, seq=brk.seq if brk.seq is not None else "-",
                     id=brk.id if brk.id is not None else "-", reason=brk.reason))
        sys.exit(EXIT_VIOLATIONS)
    token = sign(head, key).token()
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(token + "\n")
    click.echo(token)


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
