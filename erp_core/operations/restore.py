"""Restore (恢复) and restore verification (恢复验证).

:func:`restore` checks every chunk of the backup first (a corrupted backup is refused before the target is
touched), then loads it into a NEW database (an empty or absent one) and, when asked, extracts the app's files
into a folder. Restoring over the live database is :func:`restore_live`: it needs an explicit confirmation and
takes a fresh backup of the live database first.

:func:`verify` restores into a scratch database, runs the integrity checks (`erp check`) there and compares
row counts of every table, the trial balance and stock on hand with the figures recorded at backup time; the
result is written beside the backup (verification.json) and returned."""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from erp_core.config import Settings, backend_of
from erp_core.db.engine import make_engine
from erp_core.db.uow import Database
from erp_core.kernel.errors import DomainError
from erp_core.operations import backup as bk
from erp_core.operations import chunks, figures, snapshot
from erp_core.operations.chunks import CorruptBackup

MAX_PROBLEMS = 50  # problems kept in a verification record (the first ones name the kind of damage)


@dataclass
class Verification:
    backup_id: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    at: str = ""

    def as_dict(self) -> dict:
        return {"backup": self.backup_id, "ok": self.ok, "problems": self.problems, "seconds": self.seconds,
                "at": self.at}


def same_database(a: str, b: str) -> bool:
    ua, ub = make_url(a), make_url(b)
    if backend_of(a) != backend_of(b):
        return False
    if backend_of(a) == "sqlite":
        pa, pb = Path(ua.database or ""), Path(ub.database or "")
        return pa.resolve() == pb.resolve()
    return (ua.host or "localhost", ua.port, ua.database) == (ub.host or "localhost", ub.port, ub.database)


def check_backup(opts: bk.Options, backup_id: str) -> dict:
    """Read and verify every chunk of a backup (checksums, authentication); returns its manifest."""
    manifest = bk.load_manifest(opts.root, backup_id)
    store = bk.store_for(opts.root, manifest["chain"], opts.passphrase)
    for part in manifest["parts"].values():
        chunks.verify_part(store, part, backup_id)
    return manifest


def restore(opts: bk.Options, backup_id: str, target_url: str, *, files_dir: Path | None = None,
            checked: bool = False) -> dict:
    """Load backup ``backup_id`` into the empty database ``target_url``; returns the manifest."""
    manifest = bk.load_manifest(opts.root, backup_id) if checked else check_backup(opts, backup_id)
    if backend_of(target_url) != manifest["backend"]:
        raise DomainError("error.ops.restore.backend", backup=backup_id, backend=manifest["backend"],
                          target=backend_of(target_url))
    if not snapshot.is_empty(target_url):
        raise DomainError("error.ops.restore.target_not_empty")
    store = bk.store_for(opts.root, manifest["chain"], opts.passphrase)
    part = manifest["parts"]["database"]
    if manifest["backend"] == "sqlite":
        path = snapshot.sqlite_path(target_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)  # an empty file (no tables) or leftovers
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.restoring")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                for data in chunks.read_stream(store, part, backup_id):
                    f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        snapshot.ensure_database(target_url)
        proc = snapshot.loader(target_url)
        try:
            for data in chunks.read_stream(store, part, backup_id):
                proc.stdin.write(data)
            proc.stdin.close()
        except (CorruptBackup, BrokenPipeError):
            proc.kill()
            proc.wait()
            raise
        snapshot.finish(proc, "psql" if manifest["backend"] == "postgresql" else "mariadb")
    if files_dir is not None:
        extract_files(opts, manifest, files_dir)
    return manifest


def extract_files(opts: bk.Options, manifest: dict, files_dir: Path) -> list[str]:
    store = bk.store_for(opts.root, manifest["chain"], opts.passphrase)
    raw = b"".join(chunks.read_stream(store, manifest["parts"]["files"], manifest["id"]))
    files_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        tar.extractall(files_dir, filter="data")
        return tar.getnames()


def figures_of(url: str) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return figures.collect(conn)
    finally:
        engine.dispose()


def run_checks_on(url: str, *, time_zone: str = "Asia/Shanghai", skip: tuple[str, ...] = ()) -> list[str]:
    """`erp check` on the database at ``url``, as English lines. The checks run with a data folder of their own
    (the analytics check builds a DuckDB copy there), removed afterwards: nothing is left in the app's folder."""
    import shutil
    import tempfile

    import erp_core.security.catalog as catalog
    from erp_core.analytics.engine import forget
    from erp_core.checks import CHECKS, schema_current

    catalog.load_all()  # modules register their checks when imported
    folder = Path(tempfile.mkdtemp(prefix="erp-check-"))
    engine = make_engine(url)
    rdb = Database(engine, Settings(database_url=url, data_dir=folder, time_zone=time_zone))
    try:
        problems = [f"schema_current: {p.render('en')}" for p in schema_current(rdb)] if "schema_current" not in skip \
            else []
        if problems:
            return problems
        for name, fn in CHECKS.items():
            if name != "schema_current" and name not in skip:
                problems += [f"{name}: {p.render('en')}" for p in fn(rdb)]
        return problems
    finally:
        forget(rdb, delete=True)
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def check_restored(url: str, manifest: dict) -> list[str]:
    """The comparison with the recorded figures, then `erp check` on the restored database."""
    recorded = manifest.get("figures", {})
    diff = figures.compare(recorded, figures_of(url))
    if recorded.get("approximate"):
        diff = [d for d in diff if not d.startswith("rows ")]
    found = diff + run_checks_on(url)  # the comparison first: it says whether the restore reproduced the backup
    return found[:MAX_PROBLEMS] + ([f"... {len(found) - MAX_PROBLEMS} more"] if len(found) > MAX_PROBLEMS else [])


def scratch_url(db: Database, base: str | None, opts: bk.Options) -> str:
    """A database name no one uses, on the scratch server (or beside the live one)."""
    name = f"erp_verify_{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}_{secrets.token_hex(3)}"
    live = db.engine.url
    if db.backend == "sqlite":
        folder = opts.root / ".scratch"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / name}.db"
    u = make_url(base) if base else live
    return u.set(database=name).render_as_string(hide_password=False)


def verify(db: Database, backup_id: str, *, opts: bk.Options | None = None, scratch_base: str | None = None,
           record: bool = True) -> Verification:
    """Restore ``backup_id`` into a scratch database, check it, drop the scratch database; record the result."""
    opts = opts or bk.options_for(db)
    started = time.monotonic()
    url = scratch_url(db, scratch_base, opts)
    try:
        manifest = restore(opts, backup_id, url)
        problems = check_restored(url, manifest)
    except DomainError as exc:
        problems = [exc.params.get("detail") or exc.message_id]
    finally:
        snapshot.drop_database(url)
    result = Verification(backup_id, not problems, problems, round(time.monotonic() - started, 3),
                          dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    if record and (opts.root / "backups" / backup_id).exists():
        bk.write_verification(opts.root, backup_id, result.as_dict())
    return result


def restore_live(db: Database, backup_id: str, *, confirm: bool, opts: bk.Options | None = None) -> dict:
    """Put backup ``backup_id`` in place of the live database. Refused without ``confirm``; a fresh full backup
    of the live database is taken first (its id is returned as ``safety_backup``). The backup is restored and
    verified in a scratch database before the live one is touched."""
    if not confirm:
        raise DomainError("error.ops.restore.live_needs_confirmation")
    opts = opts or bk.options_for(db)
    check_backup(opts, backup_id)
    safety = bk.make_backup(db, kind="full", opts=opts)
    replace_live(db, opts, backup_id)
    return {"safety_backup": safety["id"], "restored": backup_id}


def replace_live(db: Database, opts: bk.Options, backup_id: str) -> None:
    """Empty the live database and load the backup into it (the engine's pooled connections are dropped)."""
    url = db.engine.url.render_as_string(hide_password=False)
    db.engine.dispose()
    if db.backend == "sqlite":
        path = snapshot.sqlite_path(url)
        tmp_url = f"sqlite:///{path.with_name(path.name + '.restoring-' + secrets.token_hex(3))}"
        restore(opts, backup_id, tmp_url, checked=True)
        new = snapshot.sqlite_path(tmp_url)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(new, path)
    else:
        snapshot.drop_database(url)
        restore(opts, backup_id, url, checked=True)
    db.engine.dispose()
