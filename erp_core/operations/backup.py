"""Backups (备份): a consistent snapshot of the operational database plus the files the app keeps, stored as
content-defined chunks (chunks.py) and described by a checksummed manifest.

Layout of the backup folder::

    chains/<full-id>/chain.json          encryption salt of the chain (no key, no passphrase)
    chains/<full-id>/packs/<backup-id>.pack  the chunks a backup added to its chain (full: every chunk)
    chains/<full-id>/packs/<backup-id>.idx   chunk id -> offset, length in that pack
    chains/<full-id>/chunks/ab/<id>      chunks of a chain written before packs (read and continued as they are)
    backups/<backup-id>/manifest.json    parts (chunk lists, sizes, checksums), figures, ledger marks, schema
    backups/<backup-id>/manifest.sha256  checksum of the manifest: a backup without it is not listed
    backups/<backup-id>/verification.json  outcome of the newest restore verification of this backup

A full backup starts a new chain and writes every chunk; an incremental writes only the chunks its chain does
not have yet (SQLite: only the blocks holding pages the write-ahead log names since the previous backup are
read, waltrack.py; when the log cannot prove that, every block is compared with the previous backup's). A backup
becomes visible only when its folder is renamed from ``.partial-<id>`` to ``<id>`` after its pack, the pack's
index and the manifest are on disk (synced): killing the process at any moment leaves either no
backup or a whole one. Retention keeps the newest ``keep_full`` chains and deletes older chains whole."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from erp_core.config import PROJECT_ROOT, backend_of
from erp_core.db.uow import Database
from erp_core.kernel.errors import DomainError
from erp_core.operations import chunks, figures, opsconfig, snapshot
from erp_core.operations.chunks import ChunkStore, CorruptBackup, Keys

FORMAT = 1


@dataclass(frozen=True)
class Options:
    root: Path
    passphrase: str | None = None
    level: int | None = None  # zlib level 0 (stored as is) .. 9; None: SQLite pages 0, dumps and files 1
    offsite: Path | None = None
    keep_full: int = 4
    data_dir: Path | None = None
    config_path: Path | None = None


@dataclass(frozen=True)
class BackupInfo:
    id: str
    kind: str  # full / incremental
    chain: str
    created_at: str
    backend: str
    schema: str
    size: int  # bytes of the database part (uncompressed)
    stored: int  # bytes written to the store by this backup (compressed, new chunks only)
    encrypted: bool
    verification: dict | None  # {"ok": bool, "at": ..., "problems": [...]} or None when never verified


def options_for(db: Database) -> Options:
    with db.uow(readonly=True) as uow:
        values = opsconfig.read_all(uow.session)
    return options_from(values, db)


def options_from(values: dict[str, str], db: Database) -> Options:
    s = db.settings
    return Options(root=opsconfig.backup_root(values, s.backup_dir), passphrase=opsconfig.passphrase(values),
                   level=int(values["compression_level"]) if str(values["compression_level"]).strip() else None,
                   offsite=Path(values["offsite_dir"]) if values["offsite_dir"] else None,
                   keep_full=max(1, int(values["keep_full"] or 4)), data_dir=s.data_dir,
                   config_path=s.config_path)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """One backup, restore or retention at a time on a backup folder (released by the kernel if killed)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _chain_keys(root: Path, chain: str, passphrase: str | None) -> Keys | None:
    meta = json.loads((root / "chains" / chain / "chain.json").read_text())
    if not meta.get("encrypted"):
        return None
    if not passphrase:
        raise DomainError("error.ops.backup.passphrase_needed", backup=chain)
    return Keys.derive(passphrase, bytes.fromhex(meta["salt"]))


def store_for(root: Path, chain: str, passphrase: str | None, level: int | None = 1,
              pack: str | None = None) -> ChunkStore:
    """The chain's chunk store; ``pack`` names the pack file a backup writes its new chunks to."""
    return ChunkStore(root / "chains" / chain, _chain_keys(root, chain, passphrase), 1 if level is None else level,
                      pack)


def _new_chain(root: Path, chain: str, passphrase: str | None) -> None:
    d = root / "chains" / chain
    d.mkdir(parents=True, exist_ok=False)
    meta = {"encrypted": bool(passphrase), "salt": secrets.token_hex(16), "created_at": _utcnow().isoformat()}
    _write_durably(d / "chain.json", json.dumps(meta).encode())


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------------------------- reading

def load_manifest(root: Path, backup_id: str) -> dict:
    d = root / "backups" / backup_id
    if backup_id.startswith(".") or "/" in backup_id or not (d / "manifest.json").exists():
        raise DomainError("error.ops.backup.not_found", backup=backup_id)
    raw = (d / "manifest.json").read_bytes()
    try:
        expected = (d / "manifest.sha256").read_text().strip()
    except FileNotFoundError:
        raise CorruptBackup(backup_id, "manifest checksum missing") from None
    if hashlib.sha256(raw).hexdigest() != expected:
        raise CorruptBackup(backup_id, "manifest checksum mismatch")
    return json.loads(raw)


def read_verification(root: Path, backup_id: str) -> dict | None:
    path = root / "backups" / backup_id / "verification.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_verification(root: Path, backup_id: str, result: dict) -> None:
    d = root / "backups" / backup_id
    tmp = d / f".verification.{os.getpid()}"
    _write_durably(tmp, json.dumps(result, ensure_ascii=False).encode())
    os.replace(tmp, d / "verification.json")


def list_backups(root: Path) -> list[BackupInfo]:
    """Complete backups, newest first. Unfinished (``.partial-*``) folders and folders whose manifest fails its
    checksum are not listed as good: the latter are listed with a failed verification."""
    out: list[BackupInfo] = []
    folder = root / "backups"
    if not folder.exists():
        return out
    for d in folder.iterdir():
        if d.name.startswith(".") or not d.is_dir():
            continue
        try:
            m = load_manifest(root, d.name)
        except DomainError as exc:
            out.append(BackupInfo(d.name, "?", "?", "", "?", "?", 0, 0, False,
                                  {"ok": False, "problems": [str(exc.params.get("detail", exc.message_id))]}))
            continue
        out.append(BackupInfo(m["id"], m["kind"], m["chain"], m["created_at"], m["backend"], m["schema"],
                              m["parts"]["database"]["size"], m.get("stored", 0), m["encrypted"],
                              read_verification(root, d.name)))
    out.sort(key=lambda b: (b.created_at, b.id), reverse=True)
    return out


# ----------------------------------------------------------------------------------------------- writing

# What the app keeps in its data folder besides the database (analytics copies are rebuilt from the database).
# Named, not globbed: the data folder may be shared with other things (tests use the system's temp folder).
APP_FILES = ("secret.key", "uploads", "attachments", "audit-archive")


def _files_to_back_up(opts: Options) -> list[tuple[Path, str]]:
    """The files the app keeps besides the database (the secret key, uploads and attachments, audit archive
    files) and the config file."""
    out: list[tuple[Path, str]] = []
    data = opts.data_dir
    root = opts.root.resolve()
    for name in APP_FILES if data else ():
        top = data / name
        found = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for p in found:
            if p.is_file() and not p.is_symlink() and root not in p.resolve().parents:
                out.append((p, f"data/{p.relative_to(data).as_posix()}"))
    cfg = opts.config_path or (PROJECT_ROOT / "config.toml")
    if cfg.exists():
        out.append((cfg, "config/config.toml"))
    return out


def _schema_of(figs_conn) -> str:
    """The schema revision, read from alembic's table directly (importing alembic cost ~3 s of a backup)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        heads = sorted(r[0] for r in figs_conn.execute(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:
        return "-"
    return ",".join(heads) or "-"


def _sqlite_blocks(fd: int, size: int) -> Iterator[bytes]:
    """The file's first ``size`` bytes in blocks, read with pread on ``fd`` (left open: snapshot.live_fd)."""
    offset = 0
    while offset < size and (data := os.pread(fd, min(chunks.BLOCK, size - offset), offset)):
        offset += len(data)
        yield data


def _figures_base(root: Path) -> dict | None:
    """Figures and ledger marks of the newest good SQLite backup in the folder (any chain): the base the next
    backup adds the new ledger rows to (figures.collect_sqlite)."""
    for backup_id in _newest_first(root):
        try:
            m = load_manifest(root, backup_id)
        except DomainError:
            continue
        return m if m.get("backend") == "sqlite" and m.get("marks") else None
    return None


def _database_part(db: Database, store: ChunkStore, work: Path, opts: Options) -> tuple[dict, dict, str, dict]:
    """Snapshot the database into the store: (part, figures, schema revision, extra manifest fields)."""
    url = str(db.engine.url.render_as_string(hide_password=False))
    backend = backend_of(url)
    text_level = 1 if opts.level is None else opts.level
    if backend == "sqlite":
        from concurrent.futures import ThreadPoolExecutor

        base = _figures_base(opts.root)
        # the previous backup of this chain, block by block: unchanged blocks are compared, not hashed
        previous = (base["parts"]["database"]["chunks"] if base and base["chain"] == store.root.name
                    and base["parts"]["database"].get("format") == "sqlite-file" else None)
        # the pages changed since that backup, from the WAL, when its mark still holds (waltrack)
        recorded = base.get("wal") if previous is not None else None
        with snapshot.sqlite_pages(url, work, recorded) as snap:
            # the figures are read on the snapshot's own connection while its pages are stored: SQLite and
            # hashlib release the GIL, so the two overlap instead of adding up
            with ThreadPoolExecutor(max_workers=1) as pool:
                con = snap.con
                reading = pool.submit(lambda: (*figures.collect_sqlite(con, base), _schema_of_sqlite(con)))
                level = 0 if opts.level is None else opts.level
                # the live file through the process's one descriptor of it (POSIX locks: see live_fd); a
                # copy is the backup's own file
                own = None if snap.how == "direct" else os.open(snap.path, os.O_RDONLY)
                fd = snapshot.live_fd(snap.path) if own is None else own
                try:
                    part = _store_pages(store, snap, fd, previous, level)
                finally:
                    if own is not None:
                        os.close(own)
                figs, marks, schema = reading.result()
            wal = snap.pin()  # the next incremental's mark, taken while the snapshot is still pinned
        read = "log" if previous is not None and snap.changed is not None else "file"
        return ({**part, "format": "sqlite-file"}, figs, schema,
                {"marks": marks, "snapshot": snap.how, "wal": wal, "changes_from": read})
    if backend == "postgresql":
        with snapshot.dump_stream(url) as (proc, conn):
            figs, schema = figures.collect(conn), _schema_of(conn)
            part = chunks.store_stream(store, chunks.line_chunks(proc.stdout), level=text_level)
            snapshot.finish(proc, "pg_dump")
        return {**part, "format": "postgresql-sql"}, figs, schema, {}
    # MariaDB: figures before and after the dump; equal means no write happened in between, so they are the
    # dump's. Otherwise the dump is taken again (a busy moment passes), and marked approximate at worst.
    for _attempt in range(3):
        with db.engine.connect() as conn:
            before, schema = figures.collect(conn), _schema_of(conn)
        with snapshot.dump_stream(url) as (proc, _):
            part = chunks.store_stream(store, chunks.line_chunks(proc.stdout), level=text_level)
            snapshot.finish(proc, "mariadb-dump")
        with db.engine.connect() as conn:
            after = figures.collect(conn)
        if before == after:
            return {**part, "format": "mariadb-sql"}, before, schema, {}
    return {**part, "format": "mariadb-sql"}, {**after, "approximate": True}, schema, {}


def _store_pages(store: ChunkStore, snap, fd: int, previous: list[str] | None, level: int) -> dict:
    """The database part: only the blocks holding pages the log names (the previous backup's mark held), or
    every block compared with the previous backup's, or (a new chain) every block stored."""
    if previous is not None and snap.changed is not None:
        return chunks.store_changed(store, fd, snap.size, previous, snap.changed, snap.page_size, level=level)
    if previous is not None:
        return chunks.store_file(store, snap.path, snap.size, previous, level=level, fd=fd)
    return chunks.store_stream(store, _sqlite_blocks(fd, snap.size), level=level)


def _schema_of_sqlite(con) -> str:
    import sqlite3

    try:
        heads = sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.DatabaseError:
        return "-"
    return ",".join(heads) or "-"


def _files_part(opts: Options, store: ChunkStore, work: Path) -> dict:
    tar_path = work / "files.tar"
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for path, name in _files_to_back_up(opts):
            tar.add(path, arcname=name, recursive=False)
    part = chunks.store_stream(store, chunks.blocks(tar_path, 64 * 1024), level=1 if opts.level is None else opts.level)
    tar_path.unlink()
    return {**part, "format": "tar"}


def make_backup(db: Database, *, kind: str = "incremental", opts: Options | None = None) -> dict:
    """Take a backup now; returns its manifest. ``kind`` full starts a new chain; incremental continues the
    newest chain (or starts one when there is none, or when the passphrase changed since it began)."""
    if kind not in ("full", "incremental"):
        raise ValueError(kind)
    opts = opts or options_for(db)
    root = opts.root
    started = time.monotonic()
    with exclusive(root):
        _clean_partials(root)
        chain = None
        if kind == "incremental":
            chain = _current_chain(root, opts.passphrase)
        now = _utcnow()
        actual_kind = "incremental" if chain else "full"
        backup_id = f"{now:%Y%m%d-%H%M%S}-{'full' if actual_kind == 'full' else 'inc'}-{secrets.token_hex(2)}"
        if chain is None:
            chain = backup_id
            _new_chain(root, chain, opts.passphrase)
        store = store_for(root, chain, opts.passphrase, opts.level, pack=backup_id)
        partial = root / "backups" / f".partial-{backup_id}"
        partial.mkdir(parents=True)
        try:
            db_part, figs, schema, extra = _database_part(db, store, partial, opts)
            files_part = _files_part(opts, store, partial)
            store.flush()
        except BaseException:
            store.abandon()  # the pack and the partial folder are removed by the next backup
            raise
        finally:
            store.close()
        manifest = {
            "format": FORMAT, "id": backup_id, "kind": actual_kind, "chain": chain,
            "created_at": now.isoformat(timespec="microseconds"), "backend": db.backend, "schema": schema,
            "app_version": _app_version(), "host": socket.gethostname(), "encrypted": store.keys is not None,
            "parts": {"database": db_part, "files": files_part}, "figures": figs, **extra,
            "stored": store.written, "duration_s": round(time.monotonic() - started, 3),
        }
        raw = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()
        _write_durably(partial / "manifest.json", raw)
        _write_durably(partial / "manifest.sha256", hashlib.sha256(raw).hexdigest().encode())
        _fsync_dir(partial)
        os.rename(partial, root / "backups" / backup_id)  # the moment the backup exists
        _fsync_dir(root / "backups")
        if opts.offsite:
            copy_offsite(root, opts.offsite, backup_id, chain)
        apply_retention(root, opts.keep_full, offsite=opts.offsite, locked=True)
    return manifest


def _app_version() -> str:
    from erp_core import __version__

    return __version__


def _newest_first(root: Path) -> list[str]:
    """Ids of the finished backup folders, newest first (ids begin with their UTC time), unread."""
    from collections import Counter

    folder = root / "backups"
    if not folder.exists():
        return []
    names = [d.name for d in folder.iterdir() if not d.name.startswith(".") and d.is_dir()]
    seconds = Counter(n[:15] for n in names)

    def key(name: str) -> tuple[str, str, str]:
        created = ""
        if seconds[name[:15]] > 1:  # several backups in one second: their manifests' microseconds decide
            try:
                created = json.loads((folder / name / "manifest.json").read_bytes()).get("created_at", "")
            except (OSError, ValueError):
                pass
        return name[:15], created, name

    return sorted(names, key=key, reverse=True)


def _current_chain(root: Path, passphrase: str | None) -> str | None:
    """The chain an incremental continues: the newest good backup's, if it was made with the same passphrase
    (or none); otherwise None, and the incremental becomes a full backup starting a new chain. Reads the
    newest manifests only (not every backup's, as listing them does)."""
    for backup_id in _newest_first(root):
        try:
            m = load_manifest(root, backup_id)
        except DomainError:
            continue
        if m["encrypted"] != bool(passphrase):
            return None  # encryption switched on or off
        try:
            store = store_for(root, m["chain"], passphrase)
            for cid in m["parts"]["database"]["chunks"][:1]:
                store.get(cid, backup_id)  # a changed passphrase cannot read the chain: keys must not mix
        except DomainError:
            return None
        return m["chain"]
    return None


def _clean_partials(root: Path) -> None:
    """Remove folders of backups that never finished (killed); called under the folder lock."""
    folder = root / "backups"
    if folder.exists():
        for d in folder.iterdir():
            if d.name.startswith((".partial-", ".deleting-")):
                shutil.rmtree(d, ignore_errors=True)
    done = set(_newest_first(root))
    for packs in (root / "chains").glob("*/packs") if (root / "chains").exists() else ():
        for f in packs.iterdir():
            stem = f.name.split(".")[0] if not f.name.startswith(".") else ""
            if f.name.startswith(".") or (f.suffix in (".pack", ".idx") and stem not in done):
                f.unlink(missing_ok=True)  # a pack or index of a backup that never finished


def apply_retention(root: Path, keep_full: int, *, offsite: Path | None = None, locked: bool = False) -> list[str]:
    """Delete whole chains beyond the newest ``keep_full`` (their backups first, then their chunks)."""
    if not locked:
        with exclusive(root):
            return apply_retention(root, keep_full, offsite=offsite, locked=True)
    backups = [b for b in list_backups(root) if b.kind != "?"]
    chains: list[str] = []
    for b in backups:  # newest first
        if b.chain not in chains:
            chains.append(b.chain)
    doomed = chains[keep_full:]
    removed = []
    for place in [root] + ([offsite] if offsite and offsite.exists() else []):
        for b in backups:
            if b.chain in doomed and (place / "backups" / b.id).exists():
                tmp = place / "backups" / f".deleting-{b.id}"
                os.rename(place / "backups" / b.id, tmp)
                shutil.rmtree(tmp, ignore_errors=True)
                if place == root:
                    removed.append(b.id)
        for chain in doomed:
            shutil.rmtree(place / "chains" / chain, ignore_errors=True)
    return removed


def copy_offsite(root: Path, offsite: Path, backup_id: str, chain: str) -> None:
    """Mirror one backup to the off-site folder: its chain's new chunks first, its manifest folder last (under
    a temporary name, renamed when complete), so the off-site copy is never half a backup either."""
    src_chain, dst_chain = root / "chains" / chain, offsite / "chains" / chain
    for src in src_chain.rglob("*"):
        if src.is_file() and not src.name.startswith("."):
            dst = dst_chain / src.relative_to(src_chain)
            if not dst.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                tmp = dst.with_name(f".{dst.name}.tmp")
                shutil.copyfile(src, tmp)
                os.replace(tmp, dst)
    dst_backup = offsite / "backups" / backup_id
    if not dst_backup.exists():
        tmp = offsite / "backups" / f".partial-{backup_id}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(root / "backups" / backup_id, tmp)
        os.rename(tmp, dst_backup)
