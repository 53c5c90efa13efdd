"""Issue #11 item 6: the audit chain survives the two forgeries the review made, and gives administrators an
external anchor.

(a) A fake audit_archive row lets the delete guard drop the log's prefix: verification checks every archive row
    against its file (exists, SHA-256, range, count, hashes, link to the previous archive).
(b) Deleting the newest entries and then deleting or rewriting audit_chain_head: a missing head is a break; a
    rewritten head is caught by an anchor saved outside the database (`erp audit anchor` / `verify --anchor`),
    optionally HMAC-keyed outside the database.
Plus: entries younger than security.audit_archive_min_days cannot be archived.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from erp_core.db.append_only import drop_ddl
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import ValidationError
from erp_core.security.audit import GENESIS_HASH
from erp_core.security.audit_services import archive_audit, audit_anchor, verify_audit_chain
from tests.security.helpers import audit_entries, new_user, setup_company

KEY = "a-key-kept-on-another-machine-0123456789"


def _populate(db, n_users=3, company=None):
    _, admin = setup_company(db, company)
    for i in range(n_users):
        new_user(db, admin, f"user{i}")
    return admin


def _drop_guard(db):
    with db.engine.begin() as c:
        for stmt in drop_ddl(db.engine.dialect.name, "audit_log"):
            c.exec_driver_sql(stmt)


def _cli(db_url, *args, env=None):
    from erp_core.cli import main

    return CliRunner().invoke(main, ["--lang", "en", "audit", *args],
                              env={"ERP_DATABASE_URL": db_url, "ERP_AUDIT_ANCHOR_KEY": "", **(env or {})})


def _fake_archive(db, to_seq, last_hash, file_name, sha="0" * 64):
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO audit_archive (archived_at, archived_by, from_seq, to_seq, entry_count, "
                       "first_prev_hash, last_hash, file_name, file_sha256) VALUES (:at, 'mallory', 1, :to, :n, "
                       ":g, :h, :f, :sha)"),
                  {"at": naive_utcnow(), "to": to_seq, "n": to_seq, "g": GENESIS_HASH, "h": last_hash,
                   "f": file_name, "sha": sha})


def test_fake_archive_row_and_deleted_prefix_fail_verification(db, db_url, tmp_path, company):
    """The review's forgery (a), step by step with the guard left in place: the guard lets the prefix go
    because an archive row 'covers' it; before this fix verify said 'intact'."""
    admin = _populate(db, company=company)
    entries = audit_entries(db)
    assert verify_audit_chain(db, admin) is None
    _fake_archive(db, 3, entries[2].hash, str(tmp_path / "never-written.jsonl.gz"))
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq <= 3"))  # allowed by the trigger: the fake row covers it
    assert [e.seq for e in audit_entries(db)][0] == 4
    brk = verify_audit_chain(db, admin)
    assert (brk.seq, brk.reason) == (1, "archive_missing")
    res = _cli(db_url, "verify")
    assert res.exit_code == 1 and "archive_missing" in res.output
    # the same break stops archiving and anchoring: nothing vouches for a forged chain
    res = _cli(db_url, "anchor")
    assert res.exit_code == 1 and "erp-audit-anchor" not in res.output


def test_fake_archive_pointing_at_some_real_file_fails(db, db_url, tmp_path, company):
    """The forger names an existing file (here: a real archive of other entries) whose hash he copies."""
    admin = _populate(db, company=company)
    entries = audit_entries(db)
    decoy = tmp_path / "decoy.jsonl.gz"
    with gzip.open(decoy, "wt", encoding="utf-8") as f:
        f.write('{"format": "erp-audit-archive/1", "from_seq": 1, "to_seq": 3, "count": 0}\n')
    from erp_core.security.archive import file_sha256

    _fake_archive(db, 3, entries[2].hash, str(decoy), sha=file_sha256(decoy))
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq <= 3"))
    brk = verify_audit_chain(db, admin)
    assert brk is not None and brk.reason in ("archive_corrupt", "archive_unreadable", "archive_mismatch")
    assert _cli(db_url, "verify").exit_code == 1


def test_real_archive_whose_file_is_changed_or_moved(db, db_url, tmp_path, moving_clock, company):
    admin = _populate(db, company=company)
    moving_clock.advance(days=200)
    new_user(db, admin, "later")
    out = tmp_path / "a" / "archive.jsonl.gz"
    archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=190), out_path=str(out))
    assert verify_audit_chain(db, admin) is None
    # moved to other storage: missing at the recorded path, found with --archives
    moved = tmp_path / "cold"
    moved.mkdir()
    out.rename(moved / out.name)
    assert verify_audit_chain(db, admin).reason == "archive_missing"
    assert _cli(db_url, "verify").exit_code == 1
    res = _cli(db_url, "verify", "--archives", str(moved))
    assert res.exit_code == 0, res.output
    # any change to the file (even re-compressing the same lines) no longer matches the recorded SHA-256
    data = gzip.decompress((moved / out.name).read_bytes())
    (moved / out.name).write_bytes(gzip.compress(data, compresslevel=1, mtime=0))
    res = _cli(db_url, "verify", "--archives", str(moved))
    assert res.exit_code == 1 and "archive_sha_mismatch" in res.output


def test_deleted_tail_and_deleted_head_fail(db, db_url, company):
    """The review's forgery (b) with the head deleted: before this fix a missing head skipped the check."""
    admin = _populate(db, company=company)
    last = audit_entries(db)[-1].seq
    _drop_guard(db)
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq >= :s"), {"s": last - 1})
        c.execute(text("DELETE FROM audit_chain_head"))
    brk = verify_audit_chain(db, admin)
    assert brk.reason == "head_missing"
    res = _cli(db_url, "verify")
    assert res.exit_code == 1 and "head_missing" in res.output


def test_deleted_tail_with_rewritten_head_is_caught_by_a_saved_anchor(db, db_url, tmp_path, company):
    """The review's forgery (b) with the head rewritten: inside the database nothing shows it (the chain that
    remains is perfect); the anchor saved earlier outside the database does."""
    admin = _populate(db, company=company)
    key_file = tmp_path / "anchor.key"
    key_file.write_text(KEY)
    anchors = tmp_path / "anchors.txt"
    res = _cli(db_url, "anchor", "--key-file", str(key_file), "--out", str(anchors))
    assert res.exit_code == 0, res.output
    token = res.output.strip().splitlines()[-1]
    entries = audit_entries(db)
    assert token.startswith(f"erp-audit-anchor/1:{entries[-1].seq}:{entries[-1].hash}:")
    assert anchors.read_text().strip() == token
    ok = _cli(db_url, "verify", "--anchor", str(anchors), "--key-file", str(key_file))
    assert ok.exit_code == 0, ok.output
    assert f"sequence {entries[-1].seq}, hash {entries[-1].hash}" in ok.output  # the head is printed

    _drop_guard(db)
    keep = entries[-3]
    with db.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq > :s"), {"s": keep.seq})
        c.execute(text("UPDATE audit_chain_head SET last_seq = :s, last_hash = :h"), {"s": keep.seq, "h": keep.hash})
    assert verify_audit_chain(db, admin) is None  # the limit of any unkeyed in-database check
    res = _cli(db_url, "verify", "--anchor", str(anchors), "--key-file", str(key_file))
    assert res.exit_code == 1 and "anchor_truncated" in res.output
    res = _cli(db_url, "verify", "--anchor", token, "--key-file", str(key_file))
    assert res.exit_code == 1 and "anchor_truncated" in res.output


def test_a_forged_anchor_and_a_rewritten_entry_are_refused(db, db_url, tmp_path, company):
    admin = _populate(db, company=company)
    key_file = tmp_path / "anchor.key"
    key_file.write_text(KEY)
    token = _cli(db_url, "anchor", "--key-file", str(key_file)).output.strip().splitlines()[-1]
    _, seq, h, mac = token.split(":")
    # an anchor whose hash was altered no longer matches its HMAC
    forged = f"erp-audit-anchor/1:{seq}:{'f' * 64}:{mac}"
    res = _cli(db_url, "verify", "--anchor", forged, "--key-file", str(key_file))
    assert res.exit_code == 1 and "anchor_forged" in res.output
    # an HMAC anchor cannot be checked without the key
    res = _cli(db_url, "verify", "--anchor", token)
    assert res.exit_code == 1 and "anchor_key_missing" in res.output
    # the key may come from the environment instead
    assert _cli(db_url, "verify", "--anchor", token, env={"ERP_AUDIT_ANCHOR_KEY": KEY}).exit_code == 0
    # an unkeyed anchor naming another hash at that sequence: the chain was rewritten
    res = _cli(db_url, "verify", "--anchor", f"erp-audit-anchor/1:{seq}:{'e' * 64}")
    assert res.exit_code == 1 and "anchor_mismatch" in res.output
    # nonsense is a clear refusal, not a pass
    res = _cli(db_url, "verify", "--anchor", "erp-audit-anchor/1:abc")
    assert res.exit_code != 0 and "Not a valid audit anchor" in res.output
    # the use case behind the page gives the same (unkeyed by default) anchor
    a = audit_anchor(db, admin)
    assert (a.seq, a.hash) == (int(seq), h)


def test_an_anchor_into_the_archived_prefix_still_verifies(db, db_url, tmp_path, moving_clock, company):
    admin = _populate(db, company=company)
    token = _cli(db_url, "anchor").output.strip().splitlines()[-1]
    moving_clock.advance(days=200)
    new_user(db, admin, "later")
    archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=190), out_path=str(tmp_path / "x.jsonl.gz"))
    seq = int(token.split(":")[1])
    assert audit_entries(db)[0].seq > seq  # the anchored entry now lives only in the archive file
    res = _cli(db_url, "verify", "--anchor", token)
    assert res.exit_code == 0, res.output
    bad = f"erp-audit-anchor/1:{seq}:{'d' * 64}"
    assert "anchor_mismatch" in _cli(db_url, "verify", "--anchor", bad).output


def test_recent_entries_cannot_be_archived(db, tmp_path, moving_clock, company):
    admin = _populate(db, company=company)
    moving_clock.advance(days=30)
    out = tmp_path / "recent.jsonl.gz"
    with pytest.raises(ValidationError) as err:
        archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=10), out_path=str(out))
    assert err.value.message_id == "error.audit.archive_too_recent" and err.value.params["days"] == 180
    assert not out.exists() and audit_entries(db)[0].seq == 1
    # the minimum age is the installation's setting (config.toml), not a parameter of the call
    db.settings = dataclasses.replace(db.settings, security=dataclasses.replace(db.settings.security,
                                                                                audit_archive_min_days=7))
    res = archive_audit(db, admin, before=naive_utcnow() - dt.timedelta(days=10), out_path=str(out))
    assert res.from_seq == 1 and out.exists()
