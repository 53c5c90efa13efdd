"""The backup store: content-defined chunks, compressed, checksummed and optionally encrypted.

Technique (the one restic, borg and casync use): a stream is cut into chunks at boundaries chosen by the
content itself, each chunk is stored once under the hash of its content, and a backup is a list of chunk ids.
A later backup of a database that changed by 1 % writes only the chunks that changed. Cutting points:

- SQLite snapshot files are cut in fixed, page-aligned blocks (the online backup API keeps pages where they are,
  so an unchanged page lands in an unchanged block, as in SQLite's own sqlite3_rsync);
- SQL dumps are cut at line ends (a row per line in PostgreSQL's COPY and in MariaDB's INSERTs) where
  the line's CRC32 matches a mask, between a minimum and a maximum size, so an inserted line moves no boundary
  but its own.

Each chunk file is ``Z`` + zlib(data), or ``E`` + nonce + AES-256-GCM(zlib(data)) with the chunk id as
associated data when a passphrase is set (key from scrypt; chunk ids are then HMAC-SHA256 under a key derived
from it, so ids reveal nothing about the content). Reading a chunk re-derives its id from the plain data: any
flipped bit, truncation or swapped file is detected and refused.

Chunk files are written to a temporary name and renamed into place: a chunk that exists is whole, whatever
killed the process that wrote it; the file system is synced once before the manifest naming them is written."""

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
    """The chunks of one backup chain (a full backup and the incrementals built on it)."""

    def __init__(self, root: Path, keys: Keys | None = None, level: int = 1) -> None:
        self.root, self.keys, self.level = root, keys, level
        self.written = 0  # bytes written by this instance (new chunks only)
        self._lock = threading.Lock()

    def chunk_id(self, data: bytes) -> str:
        if self.keys:
            return hmac.new(self.keys.mac, data, hashlib.sha256).hexdigest()
        return hashlib.sha256(data).hexdigest()

    def path(self, cid: str) -> Path:
        return self.root / cid[:2] / cid

    def put(self, data: bytes) -> str:
        cid = self.chunk_id(data)
        target = self.path(cid)
        if target.exists():
            return cid
        body = zlib.compress(data, self.level)
        if self.keys:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            nonce = secrets.token_bytes(12)
            blob = b"E" + nonce + AESGCM(self.keys.enc).encrypt(nonce, body, cid.encode())
        else:
            blob = b"Z" + body
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{cid}.{os.getpid()}.{secrets.token_hex(4)}")
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, target)  # whole or absent, whatever kills this process; made durable by flush()
        with self._lock:
            self.written += len(blob)
        return cid

    def flush(self) -> None:
        """Make every chunk written so far durable (one sync of the file system instead of one per chunk);
        called before the manifest that refers to them is written."""
        if self.written:
            os.sync()

    def get(self, cid: str, backup_id: str) -> bytes:
        try:
            blob = self.path(cid).read_bytes()
        except FileNotFoundError:
            raise CorruptBackup(backup_id, f"chunk {cid[:12]} missing") from None
        try:
            if blob[:1] == b"E":
                if not self.keys:
                    raise DomainError("error.ops.backup.passphrase_needed", backup=backup_id)
                from cryptography.exceptions import InvalidTag
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM

                try:
                    body = AESGCM(self.keys.enc).decrypt(blob[1:13], blob[13:], cid.encode())
                except InvalidTag:
                    raise CorruptBackup(backup_id, f"chunk {cid[:12]} fails authentication "
                                                   "(altered, or a wrong passphrase)") from None
            elif blob[:1] == b"Z":
                body = blob[1:]
            else:
                raise CorruptBackup(backup_id, f"chunk {cid[:12]} has an unknown format")
            data = zlib.decompress(body)
        except zlib.error:
            raise CorruptBackup(backup_id, f"chunk {cid[:12]} cannot be decompressed") from None
        if not hmac.compare_digest(self.chunk_id(data), cid):
            raise CorruptBackup(backup_id, f"chunk {cid[:12]} checksum mismatch")
        return data


def store_stream(store: ChunkStore, pieces: Iterable[bytes], workers: int = 2) -> dict:
    """Store a stream of chunks; returns the part's description (chunk list, size, sha256 of the whole).
    Compression and writing run on ``workers`` threads (zlib and file writes release the GIL), at most a few
    chunks ahead of the reader, in order."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    whole = hashlib.sha256()
    ids: list[str] = []
    size = 0
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for data in pieces:
            whole.update(data)
            size += len(data)
            pending.append(pool.submit(store.put, data))
            while len(pending) > workers * 4:
                ids.append(pending.popleft().result())
        while pending:
            ids.append(pending.popleft().result())
    return {"chunks": ids, "size": size, "sha256": whole.hexdigest()}


def read_stream(store: ChunkStore, part: dict, backup_id: str) -> Iterator[bytes]:
    """The part's bytes, chunk by chunk, each verified; the whole part's sha256 is checked at the end (a
    caller that loads while reading must treat a CorruptBackup at the end as failure of everything)."""
    whole = hashlib.sha256()
    for cid in part["chunks"]:
        data = store.get(cid, backup_id)
        whole.update(data)
        yield data
    if whole.hexdigest() != part["sha256"]:
        raise CorruptBackup(backup_id, "the part's checksum does not match its manifest")


def verify_part(store: ChunkStore, part: dict, backup_id: str) -> None:
    for _ in read_stream(store, part, backup_id):
        pass
