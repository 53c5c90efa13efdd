"""Kill -9 during a backup leaves no half-written backup listed as good; the `erp backup` / `erp backups` /
`erp restore` / `erp verify` commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from erp_core.operations import backup as bk
from erp_core.operations import restore as rs
from tests.operations.conftest import populate, table_rows, url_of

ROOT = Path(__file__).resolve().parents[2]

# A backup in a child process that stops just before its pack is made durable (every chunk written, no manifest
# yet), so the kill lands mid-backup however fast the backup is. (A pause after each chunk raced: an incremental
# backup of an unchanged database stores only a couple of chunks and finished before the kill.)
SLOW_BACKUP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from erp_core.operations import backup as bk, chunks
    def hang_before_flush(self):
        Path({flag!r}).touch()
        time.sleep(600)
    chunks.ChunkStore.flush = hang_before_flush
    url = {url!r}
    db = Database(make_engine(url), Settings(database_url=url, data_dir=Path({data!r})))
    bk.make_backup(db, kind={kind!r}, opts=bk.Options(root=Path({root_dir!r}), data_dir=Path({data!r})))
    print("finished")
""")


def _start_slow_backup(ops_db, opts, tmp_path, kind: str) -> tuple[subprocess.Popen, Path]:
    flag = tmp_path / f"started-{kind}"
    script = SLOW_BACKUP.format(root=str(ROOT), flag=str(flag), url=url_of(ops_db), kind=kind,
                                data=str(ops_db.settings.data_dir), root_dir=str(opts.root))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the backup never started writing"
        time.sleep(0.05)
    return proc, flag


def test_kill_9_during_a_backup_leaves_no_backup_listed_as_good(ops_db, opts, tmp_path, target_url):
    populate(ops_db)
    good = bk.make_backup(ops_db, kind="full", opts=opts)
    for kind in ("incremental", "full"):
        proc, _ = _start_slow_backup(ops_db, opts, tmp_path, kind)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert [b.id for b in bk.list_backups(opts.root)] == [good["id"]], kind
        assert any(p.name.startswith(".partial-") for p in (opts.root / "backups").iterdir())
    # the survivor still restores; the next backup cleans up and continues the good chain
    url = target_url()
    rs.restore(opts, good["id"], url)
    nxt = bk.make_backup(ops_db, kind="incremental", opts=opts)
    assert nxt["chain"] == good["id"]
    assert not any(p.name.startswith(".partial-") for p in (opts.root / "backups").iterdir())
    # the killed backups' packs are gone too: every pack left belongs to a listed backup
    listed = {b.id for b in bk.list_backups(opts.root)}
    assert {p.stem for p in (opts.root / "chains").rglob("packs/*")} <= listed
    url2 = target_url()
    rs.restore(opts, nxt["id"], url2)
    assert table_rows(url2) == table_rows(url_of(ops_db))


def test_cli_backup_prints_the_id_last_and_restore_checks(ops_db, opts, erp_cli, monkeypatch, target_url):
    populate(ops_db)
    monkeypatch.setenv("ERP_CONFIG", str(_config(opts, ops_db)))
    result = erp_cli("backup", "--full")
    assert result.exit_code == 0, result.output
    backup_id = result.output.strip().splitlines()[-1]
    assert [b.id for b in bk.list_backups(opts.root)] == [backup_id]

    listing = erp_cli("backups")
    assert backup_id in listing.output and "full" in listing.output

    url = target_url()
    restored = erp_cli("restore", backup_id, "--to", url)
    assert restored.exit_code == 0, restored.output
    assert "checks passed" in restored.output
    assert table_rows(url)["company"] == table_rows(url_of(ops_db))["company"]

    live = erp_cli("restore", backup_id, "--to", url_of(ops_db))
    assert live.exit_code == 3 and "live database" in live.output

    verified = erp_cli("verify")
    assert verified.exit_code == 0, verified.output
    assert bk.list_backups(opts.root)[0].verification["ok"] is True


def _config(opts, ops_db) -> Path:
    path = opts.root.parent / "config.toml"
    path.write_text(f'[app]\ndata_dir = "{ops_db.settings.data_dir}"\n[backup]\nfolder = "{opts.root}"\n')
    return path
