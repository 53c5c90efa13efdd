"""Backup -> restore round trips on every backend, compared table by table; incremental chains restored to
each point; corruption detected and refused; the live database protected; encryption; the app's files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from erp_core.kernel.errors import DomainError
from erp_core.operations import backup as bk
from erp_core.operations import restore as rs
from erp_core.operations.chunks import CorruptBackup
from tests.operations.conftest import add_customers, populate, table_rows, url_of


def _bulk_rows(db, n: int = 20000) -> None:
    """Enough incompressible rows that the few chunks a small change touches are a small part of the backup."""
    import datetime as dt
    import secrets

    from erp_core.operations.models import JobRun, ScheduledJob

    with db.uow() as uow:
        uow.session.add(ScheduledJob(name="test.bulk", schedule="hourly", enabled=False))
        uow.session.flush()
        uow.session.execute(JobRun.__table__.insert(), [
            {"job": "test.bulk", "runner": "bench", "started_at": dt.datetime(2026, 1, 1), "outcome": "ok",
             "message": secrets.token_hex(100)} for _ in range(n)])
        uow.commit()


def _chunk_in_pack(opts, manifest, cid) -> tuple[Path, int, int]:
    """Where a chunk is stored: (pack file, offset, length), from the pack's index."""
    packs = opts.root / "chains" / manifest["chain"] / "packs"
    for idx in packs.glob("*.idx"):
        entries = json.loads(idx.read_text())
        if cid in entries:
            return packs / f"{idx.stem}.pack", *entries[cid]
    raise AssertionError(f"chunk {cid} in no pack")


def test_full_and_incremental_chain_restores_to_each_point(ops_db, opts, target_url, demo_year):
    company = demo_year.company  # ops_db holds the demo company's year (a copy of the session's, see conftest)
    _bulk_rows(ops_db)
    points = []
    for step in range(3):
        kind = "full" if step == 0 else "incremental"
        manifest = bk.make_backup(ops_db, kind=kind, opts=opts)
        points.append((manifest, table_rows(url_of(ops_db))))
        add_customers(ops_db, company, 3, f"S{step}-")
    full, inc1, inc2 = (m for m, _ in points)
    assert [full["kind"], inc1["kind"], inc2["kind"]] == ["full", "incremental", "incremental"]
    assert inc1["chain"] == inc2["chain"] == full["id"]
    assert inc1["stored"] < full["stored"] / 2  # only the changed chunks were written
    assert full["figures"]["trial_balance"], "the demo year posts vouchers: the trial balance is recorded"

    assert [b.id for b in bk.list_backups(opts.root)] == [inc2["id"], inc1["id"], full["id"]]
    for manifest, expected in points:
        url = target_url()
        rs.restore(opts, manifest["id"], url)
        assert table_rows(url) == expected, manifest["id"]
        assert rs.check_restored(url, manifest) == []


def test_verification_restores_checks_and_records(ops_db, opts):
    populate(ops_db)
    manifest = bk.make_backup(ops_db, kind="full", opts=opts)
    result = rs.verify(ops_db, manifest["id"], opts=opts)
    assert result.ok, result.problems
    [info] = bk.list_backups(opts.root)
    assert info.verification["ok"] is True and info.verification["backup"] == manifest["id"]


def test_a_corrupted_chunk_is_detected_and_refused(ops_db, opts, target_url):
    populate(ops_db)
    manifest = bk.make_backup(ops_db, kind="full", opts=opts)
    cid = manifest["parts"]["database"]["chunks"][0]
    victim, offset, length = _chunk_in_pack(opts, manifest, cid)
    data = bytearray(victim.read_bytes())
    # (one flipped bit can land where deflate ignores it and the data comes out the same: damage a stretch)
    mid = offset + length // 2
    data[mid:mid + 16] = bytes(b ^ 0xFF for b in data[mid:mid + 16])
    victim.write_bytes(bytes(data))

    url = target_url()
    with pytest.raises(CorruptBackup):
        rs.restore(opts, manifest["id"], url)
    assert rs.snapshot.is_empty(url), "a corrupted backup is refused before the target is touched"
    result = rs.verify(ops_db, manifest["id"], opts=opts)
    assert not result.ok
    assert bk.list_backups(opts.root)[0].verification["ok"] is False


def test_a_tampered_manifest_is_not_listed_as_good(ops_db, opts):
    populate(ops_db)
    manifest = bk.make_backup(ops_db, kind="full", opts=opts)
    path = opts.root / "backups" / manifest["id"] / "manifest.json"
    m = json.loads(path.read_text())
    m["figures"]["row_counts"]["company"] = 99
    path.write_text(json.dumps(m))
    [info] = bk.list_backups(opts.root)
    assert info.kind == "?" and info.verification["ok"] is False
    with pytest.raises(CorruptBackup):
        bk.load_manifest(opts.root, manifest["id"])


def test_restore_refuses_the_live_database_without_confirmation(ops_db, opts):
    from erp_core.operations.services import restore_backup
    from tests.support.factories import admin_actor

    company = populate(ops_db)
    admin = admin_actor(ops_db, company)
    backup_id = bk.make_backup(ops_db, kind="full", opts=opts)["id"]
    expected = table_rows(url_of(ops_db))
    add_customers(ops_db, company, 2, "LATE-")
    with pytest.raises(DomainError) as err:
        restore_backup(ops_db, admin, backup_id=backup_id, to_url=url_of(ops_db))
    assert err.value.message_id == "error.ops.restore.live_needs_confirmation"
    assert len(bk.list_backups(opts.root)) == 1  # nothing happened

    result = restore_backup(ops_db, admin, backup_id=backup_id, to_url=url_of(ops_db), confirm_live=True)
    safety = result["safety_backup"]
    assert safety != backup_id and {b.id for b in bk.list_backups(opts.root)} == {backup_id, safety}
    after = table_rows(url_of(ops_db))
    # the live database is the backup again, plus the audit entry of this restore (written after it)
    assert {k: v for k, v in after.items() if k not in ("audit_log", "audit_chain_head")} == {
        k: v for k, v in expected.items() if k not in ("audit_log", "audit_chain_head")}
    assert len(after["audit_log"]) == len(expected["audit_log"]) + 1


def test_encrypted_backups_need_the_passphrase(ops_db, tmp_path, target_url, monkeypatch):
    populate(ops_db)
    opts = bk.Options(root=tmp_path / "enc", passphrase="correct horse battery", data_dir=ops_db.settings.data_dir)
    manifest = bk.make_backup(ops_db, kind="full", opts=opts)
    assert manifest["encrypted"]
    for part in manifest["parts"].values():  # SQLite pages (stored as they are) and the files (zlib)
        pack, offset, length = _chunk_in_pack(opts, manifest, part["chunks"][0])
        blob = pack.read_bytes()[offset:offset + length]
        assert blob[:1] in (b"E", b"F") and b"secret.key" not in blob and b"SQLite format 3" not in blob
    with pytest.raises(DomainError) as err:
        rs.restore(bk.Options(root=opts.root), manifest["id"], target_url())
    assert err.value.message_id == "error.ops.backup.passphrase_needed"
    with pytest.raises(CorruptBackup):
        rs.restore(bk.Options(root=opts.root, passphrase="wrong"), manifest["id"], target_url())
    url = target_url()
    rs.restore(opts, manifest["id"], url)
    assert rs.check_restored(url, manifest) == []
    # the same passphrase continues the chain; another one (or none) starts a new chain
    assert bk.make_backup(ops_db, kind="incremental", opts=opts)["chain"] == manifest["id"]
    other = bk.Options(root=opts.root, passphrase="another", data_dir=opts.data_dir)
    assert bk.make_backup(ops_db, kind="incremental", opts=other)["kind"] == "full"
    assert bk.make_backup(ops_db, kind="incremental", opts=bk.Options(root=opts.root))["encrypted"] is False


def test_the_apps_files_are_backed_up_and_extracted(ops_db, opts, tmp_path):
    populate(ops_db)
    manifest = bk.make_backup(ops_db, kind="full", opts=opts)
    names = rs.extract_files(opts, manifest, tmp_path / "files")
    assert "data/secret.key" in names and "data/uploads/invoice.pdf" in names
    assert (tmp_path / "files" / "data" / "secret.key").read_text().startswith("test-secret-key-")
    assert not any(n.startswith("data/backups") for n in names)


def test_retention_keeps_the_newest_chains_whole(ops_db, tmp_path):
    populate(ops_db)
    opts = bk.Options(root=tmp_path / "ret", keep_full=2, offsite=tmp_path / "offsite",
                      data_dir=ops_db.settings.data_dir)
    made = []
    for kind in ("full", "incremental", "full", "incremental", "full"):
        made.append(bk.make_backup(ops_db, kind=kind, opts=opts)["id"])
    kept = {b.id for b in bk.list_backups(opts.root)}
    assert kept == set(made[2:])
    assert sorted(p.name for p in (opts.root / "chains").iterdir()) == sorted([made[2], made[4]])
    assert {p.name for p in (tmp_path / "offsite" / "backups").iterdir()} == set(made[2:])
    assert {b.id for b in bk.list_backups(tmp_path / "offsite")} == set(made[2:])


def test_the_backup_of_a_restored_database_restores_too(ops_db, opts, target_url, tmp_path):
    """A restored database is a normal database: back it up and restore again (no leftovers in the chain)."""
    populate(ops_db)
    first = bk.make_backup(ops_db, kind="full", opts=opts)
    url = target_url()
    rs.restore(opts, first["id"], url)
    assert Path(opts.root / "backups" / first["id"]).exists()
