"""The backup store: content-defined chunks, compressed, checksummed and optionally encrypted.

Technique (the one restic, borg and casync use): a stream is cut into chunks at boundaries chosen by the
content itself, each chunk is stored once under the hash of its content, and a backup is a list of chunk ids.
A later backup of a database that changed by 1 % writes only the chunks that changed. Cutting points:

- SQLite snapshot files are cut in fixed, page-aligned blocks (the online backup API keeps pages where they are,
  so an unchanged page lands in an unchanged block, as in SQLite's own sqlite3_rsync);
- SQL dumps are cut at line ends (a row per line in PostgreSQL's COPY and in MariaDB's INSERTs) where
  the line's CRC32 matches a mask, between a minimum and a maximum size, so an inserted line moves no boundary
  but its own.

Chunks are appended to one pack file per backup (:class:`ChunkStore`); each is ``Z`` + zlib(data), ``R`` +
data (level 0: SQLite pages are stored as they are by default, see backup.py), or ``E``/``F`` + nonce +
AES-256-GCM(body) with the chunk id as associated data when a passphrase is set (key from scrypt; chunk ids
are then HMAC-SHA256 under a key derived from it, so ids reveal nothing about the content). Reading a chunk
re-derives its id from the plain data: any flipped bit, truncation or swapped chunk is detected and refused.

A pack is synced, then its index written, before the manifest naming its chunks: a backup that exists has
whole chunks, whatever killed the process that wrote it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from erp_core.kernel.errors import DomainError

BLOCK = 64 * 1024  # SQLite: 16 pages of 4 KiB
MIN_CHUNK, MAX_CHUNK, LINE_MASK = 64 * 1024, 4 * 1024 * 1024, 0x3FF


class CorruptBackup(DomainError):
    def __init__(self, backup_id: str, detail: str) -> None:
        super().__init__("error.ops.backup.corrupt", backup=backup_id, detail=detail)


@dataclass(frozen=True)
class Keys:
    enc: bytes
    mac: bytes

    @classmethod
    def derive(cls, passphrase: str, salt: bytes) -> Keys:
        master = hashlib.scrypt(passphrase.encode(), salt=salt, n=2**14, r=8, p=1, dklen=64)
        return cls(enc=master[:32], mac=master[32:])


def blocks(path: Path, size: int = BLOCK) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def line_chunks(stream, *, min_size: int = MIN_CHUNK, max_size: int = MAX_CHUNK,
                mask: int = LINE_MASK) -> Iterator[bytes]:
    """Cut a byte stream (a file-like object) at content-defined line ends."""
    buf: list[bytes] = []
    size = 0
    crc = zlib.crc32
    for line in stream:
        buf.append(line)
        size += len(line)
        if size >= max_size or (size >= min_size and (crc(line) & mask) == 0):
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


class ChunkStore:
    """The chunks of one backup chain (a full backup and the incrementals built on it).

    Chunks are appended to ONE pack file per backup (``packs/<backup-id>.pack``, as restic and borg do: a
    backup of 2,700 chunks was 2,700 files, created, renamed and synced one by one); the pack's index
    (``packs/<backup-id>.idx``: chunk id -> offset and length) is written after the pack is synced and before
    the backup's manifest, so a backup that exists has its chunks on disk. Chains written before packs keep
    their one-file-per-chunk layout (``chunks/ab/<id>``): they are read, and continued, as they are.

    A chunk in a pack is one byte naming its encoding, then the body: ``Z`` zlib, ``R`` raw (stored as it is:
    compression level 0), ``E`` AES-256-GCM of the zlib body, ``F`` AES-256-GCM of the raw body."""

    def __init__(self, root: Path, keys: Keys | None = None, level: int = 1, pack: str | None = None) -> None:
        self.root, self.keys, self.level = root, keys, level  # root: the chain's folder
        self.written = 0  # bytes written by this instance (new chunks only)
        self._lock = threading.Lock()
        self._index: dict[str, tuple[str, int, int]] = {}  # chunk id -> (pack, offset, length)
        self._pack_name = pack
        self._pack = None
        self._new: dict[str, tuple[int, int]] = {}
        self._legacy = (root / "chunks").exists()  # a chain written before packs
        self._load_index()

    # ------------------------------------------------------------------ layout
    @property
    def packs(self) -> Path:
        return self.root / "packs"

    def legacy_path(self, cid: str) -> Path:
        return self.root / "chunks" / cid[:2] / cid

    def _load_index(self) -> None:
        import json

        if not self.packs.exists():
            return
        for idx in self.packs.glob("*.idx"):
            try:
                entries = json.loads(idx.read_text())
            except (OSError, ValueError):
                continue  # an index cut short by a kill: its backup never became visible
            name = idx.name[:-4]
            for cid, (offset, length) in entries.items():
                self._index.setdefault(cid, (name, offset, length))

    def has(self, cid: str) -> bool:
        return cid in self._index or cid in self._new or (self._legacy and self.legacy_path(cid).exists())

    def locate(self, cid: str) -> tuple[Path, int, int] | None:
        """Where a chunk's stored bytes are: (pack file, offset, length), or None (legacy file or missing)."""
        hit = self._index.get(cid)
        if hit is not None:
            return self.packs / f"{hit[0]}.pack", hit[1], hit[2]
        if cid in self._new and self._pack_name:
            offset, length = self._new[cid]
            return self.packs / f"{self._pack_name}.pack", offset, length
        return None

    def chunk_id(self, data: bytes) -> str:
        if self.keys:
            return hmac.new(self.keys.mac, data, hashlib.sha256).hexdigest()
        return hashlib.sha256(data).hexdigest()

    # ------------------------------------------------------------------ writing
    def _encode(self, cid: str, data: bytes, level: int) -> bytes:
        body, kind = (zlib.compress(data, level), b"Z") if level > 0 else (bytes(data), b"R")
        if self.keys:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            nonce = secrets.token_bytes(12)
            return (b"E" if kind == b"Z" else b"F") + nonce + AESGCM(self.keys.enc).encrypt(nonce, body, cid.encode())
        return kind + body

    def put(self, data: bytes, level: int | None = None) -> str:
        """Store ``data`` unless the chain has it; returns its id. Safe to call from several threads."""
        cid = self.chunk_id(data)
        if self.has(cid):
            return cid
        blob = self._encode(cid, data, self.level if level is None else level)
        if self._pack_name is None:
            raise RuntimeError("a ChunkStore opened for reading cannot write")
        with self._lock:
            if cid in self._new:
                return cid
            if self._pack is None:
                self.packs.mkdir(parents=True, exist_ok=True)
                self._pack = open(self.packs / f"{self._pack_name}.pack", "ab")
                self._pack_size = self._pack.tell()
            offset = self._pack_size
            self._pack.write(blob)
            self._pack_size += len(blob)
            self._new[cid] = (offset, len(blob))
            self.written += len(blob)
        return cid

    def flush(self) -> None:
        """Make the chunks written so far durable: the pack is synced, then its index written and synced
        (called before the manifest that refers to them is written)."""
        import json
        import os

        with self._lock:
            if self._pack is None:
                return
            self._pack.flush()
            os.fsync(self._pack.fileno())
            self._pack.close()
            self._pack = None
            idx = self.packs / f"{self._pack_name}.idx"
            tmp = self.packs / f".{self._pack_name}.idx.tmp"
            with open(tmp, "w") as f:
                json.dump({cid: list(v) for cid, v in self._new.items()}, f, separators=(",", ":"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, idx)
            fd = os.open(self.packs, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            for cid, (offset, length) in self._new.items():
                self._index.setdefault(cid, (self._pack_name, offset, length))
            self._new = {}

    def abandon(self) -> None:
        """Close an unfinished pack (the backup failed); the next backup removes it."""
        with self._lock:
            if self._pack is not None:
                self._pack.close()
                self._pack = None

    # ------------------------------------------------------------------ reading
    def same(self, cid: str, data: bytes) -> bool:
        """Whether chunk ``cid`` is stored as it is (``R``: no compression, no encryption) and equals ``data``:
        then ``data``'s id is ``cid`` without hashing it (an exact comparison, stronger than a hash). Lets an
        incremental backup of a SQLite file compare each block with the same block of the previous backup
        (a memory comparison) and hash only the blocks that changed."""
        hit = self._index.get(cid)
        if hit is None or hit[2] != len(data) + 1:
            return False
        name, offset, length = hit
        fds = self.__dict__.setdefault("_fds", {})
        fd = fds.get(name)
        if fd is None:
            with self._lock:  # several threads compare at once (store_file)
                fd = fds.get(name)
                if fd is None:
                    try:
                        fd = fds[name] = os.open(self.packs / f"{name}.pack", os.O_RDONLY)
                    except FileNotFoundError:
                        return False
        blob = os.pread(fd, length, offset)
        return blob[:1] == b"R" and blob[1:] == data  # (bytes == bytes is one memcmp; a memoryview's is not)

    def close(self) -> None:
        for fd in self.__dict__.pop("_fds", {}).values():
            os.close(fd)

    def read_raw(self, cid: str, backup_id: str) -> bytes:
        where = self.locate(cid)
        try:
            if where is None:
                return self.legacy_path(cid).read_bytes()
            path, offset, length = where
            with open(path, "rb") as f:
                f.seek(offset)
                blob = f.read(length)
            if len(blob) != length:
                raise CorruptBackup(backup_id, f"chunk {cid[:12]} cut short")
            return blob
        except FileNotFoundError:
            raise CorruptBackup(backup_id, f"chunk {cid[:12]} missing") from None

    def get(self, cid: str, backup_id: str) -> bytes:
        blob = self.read_raw(cid, backup_id)
        kind = blob[:1]
        try:
            if kind in (b"E", b"F"):
                if not self.keys:
                    raise DomainError("error.ops.backup.passphrase_needed", backup=backup_id)
                from cryptography.exceptions import InvalidTag
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM

                try:
                    body = AESGCM(self.keys.enc).decrypt(blob[1:13], blob[13:], cid.encode())
                except InvalidTag:
                    raise CorruptBackup(backup_id, f"chunk {cid[:12]} fails authentication "
                                                   "(altered, or a wrong passphrase)") from None
                data = zlib.decompress(body) if kind == b"E" else body
            elif kind == b"Z":
                data = zlib.decompress(blob[1:])
            elif kind == b"R":
                data = blob[1:]
            else:
                raise CorruptBackup(backup_id, f"chunk {cid[:12]} has an unknown format")
        except zlib.error:
            raise CorruptBackup(backup_id, f"chunk {cid[:12]} cannot be decompressed") from None
        if not hmac.compare_digest(self.chunk_id(data), cid):
            raise CorruptBackup(backup_id, f"chunk {cid[:12]} checksum mismatch")
        return data


def ids_root(ids: list[str]) -> str:
    """The checksum of a part written as a list of chunk ids: sha256 over the ids in order. Each chunk is
    checked against its own id when read, so this root covers every byte of the part (a Merkle list) without
    hashing the part a second time."""
    h = hashlib.sha256()
    for cid in ids:
        h.update(cid.encode())
    return h.hexdigest()


def store_stream(store: ChunkStore, pieces: Iterable[bytes], workers: int = 2, level: int | None = None,
                 previous: list[str] | None = None) -> dict:
    """Store a stream of chunks; returns the part's description (chunk list, size, root checksum over the
    ids). Hashing, compression and encryption run on ``workers`` threads (hashlib, zlib and AES release the
    GIL), at most a few chunks ahead of the reader, in order. ``previous``: the chunk ids of the same part in
    the previous backup of the chain, position by position (fixed-size blocks of a SQLite file): a block equal
    to the stored one at its position keeps its id without being hashed (:meth:`ChunkStore.same`)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    ids: list[str] = []
    size = 0
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, data in enumerate(pieces):
            size += len(data)
            if previous is not None and i < len(previous) and store.same(previous[i], data):
                if pending:
                    pending.append(previous[i])
                else:
                    ids.append(previous[i])
                continue
            pending.append(pool.submit(store.put, data, level))
            while len(pending) > workers * 4:
                first = pending.popleft()
                ids.append(first if isinstance(first, str) else first.result())
        while pending:
            first = pending.popleft()
            ids.append(first if isinstance(first, str) else first.result())
    return {"chunks": ids, "size": size, "root": ids_root(ids)}


def store_file(store: ChunkStore, path: Path, size: int, previous: list[str], workers: int = 2,
               level: int | None = None, block: int = BLOCK, fd: int | None = None) -> dict:
    """:func:`store_stream` of the first ``size`` bytes of a file in fixed blocks, for an incremental backup
    of a SQLite file (``previous``: the chunk ids of the previous backup of the chain, block by block). The
    file is cut into ``workers`` contiguous ranges compared at once, each by its own thread: reading the live
    file and the stored block (``pread``, no GIL), comparing them (one memcmp), and hashing and storing only
    a block that differs — the work of an incremental is that reading, so two threads on two cores take
    about half the time of one thread reading, comparing and handing blocks to others. The part is the same
    as :func:`store_stream` makes (chunk ids in file order). ``fd``: a descriptor of ``path`` to read with
    (left open; the live SQLite file must be read through snapshot.live_fd, never opened and closed)."""
    from concurrent.futures import ThreadPoolExecutor

    count = (size + block - 1) // block
    ids: list[str | None] = [None] * count

    def run(first: int, last: int) -> None:
        own = os.open(path, os.O_RDONLY) if fd is None else fd
        try:
            for i in range(first, last):
                want = min(block, size - i * block)
                data = os.pread(own, want, i * block)
                if len(data) != want:
                    raise OSError(f"{path}: cut short at block {i}")
                ids[i] = (previous[i] if i < len(previous) and store.same(previous[i], data)
                          else store.put(data, level))
        finally:
            if fd is None:
                os.close(own)

    workers = max(1, min(workers, count))
    bounds = [count * k // workers for k in range(workers + 1)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(run, bounds[k], bounds[k + 1]) for k in range(workers)]:
            f.result()
    done = [cid for cid in ids if cid is not None]
    assert len(done) == count
    return {"chunks": done, "size": size, "root": ids_root(done)}


def store_changed(store: ChunkStore, fd: int, size: int, previous: list[str], pages: set[int],
                  page_size: int, level: int | None = None, block: int = BLOCK) -> dict:
    """The part :func:`store_file` makes, reading only the blocks that hold a changed page (``pages``, 1-based,
    from the WAL: waltrack) and the previous backup's last block and anything after it (the file grew or
    shrank); every other block is the previous backup's, unread. The caller guarantees ``pages`` holds every
    page that changed since that backup. ``fd``: the file's descriptor (left open, see store_file)."""
    count = (size + block - 1) // block
    last = min(len(previous), count) - 1  # the previous last block may have been short, the new one may be
    read = {(p - 1) * page_size // block for p in pages if 0 < p and (p - 1) * page_size < size}
    read.update(range(max(last, 0), count))
    ids: list[str] = []
    for i in range(count):
        if i not in read:
            ids.append(previous[i])
            continue
        want = min(block, size - i * block)
        data = os.pread(fd, want, i * block)
        if len(data) != want:
            raise OSError(f"database file cut short at block {i}")
        ids.append(previous[i] if i < len(previous) and store.same(previous[i], data) else store.put(data, level))
    return {"chunks": ids, "size": size, "root": ids_root(ids)}


def read_stream(store: ChunkStore, part: dict, backup_id: str) -> Iterator[bytes]:
    """The part's bytes, chunk by chunk, each verified against its id; the list of ids against the part's root
    first (parts written before packs: the whole part's sha256 at the end — a caller that loads while reading
    must treat a CorruptBackup at the end as failure of everything)."""
    if "root" in part and ids_root(part["chunks"]) != part["root"]:
        raise CorruptBackup(backup_id, "the part's chunk list does not match its manifest")
    whole = hashlib.sha256() if "sha256" in part else None
    for cid in part["chunks"]:
        data = store.get(cid, backup_id)
        if whole is not None:
            whole.update(data)
        yield data
    if whole is not None and whole.hexdigest() != part["sha256"]:
        raise CorruptBackup(backup_id, "the part's checksum does not match its manifest")


def verify_part(store: ChunkStore, part: dict, backup_id: str) -> None:
    for _ in read_stream(store, part, backup_id):
        pass
