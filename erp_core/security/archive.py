"""Audit retention (审计归档): old entries are moved to a JSONL.gz file together with their hashes, and the move
is recorded in audit_archive, which anchors the live chain (``check_archives``).

Design (see docs/security.md): audit_log refuses UPDATE always, and DELETE of any row that no audit_archive row
covers (trigger, all three databases). The archive operation inserts the covering audit_archive row and deletes
the archived prefix in one transaction, and is itself audited, so entries leave the table only through it and
never silently. The archive file is self-verifying: it carries every entry with its prev_hash and hash.

The delete guard can only check that SOME audit_archive row covers a deleted entry, so a forger could insert a
fake archive row and then delete the prefix. Verification therefore never trusts an archive row on its word
(``check_archives``): the archives must tile the sequence from 1 with no gap, each file must exist, hash to the
recorded SHA-256, verify on its own, and agree with its row (range, count, first prev_hash, last hash), and each
archive must link to the previous one.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.security.audit import GENESIS_HASH, ChainBreak, entry_hash

FORMAT = "erp-audit-archive/1"
_COLUMNS = ("id", "seq", "at_utc", "company_id", "user_id", "username", "client_ip", "action", "outcome",
            "entity", "entity_id", "details", "prev_hash", "hash")


def archive_path(file_name: str, archives_dir: str | os.PathLike | None = None) -> Path | None:
    """Where an archive file is: its recorded path, else the same file name in ``archives_dir`` (archives moved
    to other storage); None when neither exists."""
    path = Path(file_name)
    if path.is_file():
        return path
    if archives_dir is not None:
        moved = Path(archives_dir) / path.name
        if moved.is_file():
            return moved
    return None


def read_header(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.loads(f.readline())


def check_archives(session: Session, archives_dir: str | os.PathLike | None = None
                   ) -> tuple[ChainBreak | None, tuple[str, int] | None]:
    """Verify every archived prefix against its file. Returns (the first problem or None, the anchor of the live
    chain: (hash of the last archived entry, first live sequence number), or None when nothing was archived)."""
    from erp_core.security.models_identity import AuditArchive

    prev_hash, next_seq = GENESIS_HASH, 1
    for a in session.execute(select(AuditArchive).order_by(AuditArchive.to_seq)).scalars():
        if (a.from_seq != next_seq or a.first_prev_hash != prev_hash or a.to_seq < a.from_seq
                or a.entry_count != a.to_seq - a.from_seq + 1):
            return ChainBreak(a.from_seq, None, "archive_mismatch"), None
        path = archive_path(a.file_name, archives_dir)
        if path is None:
            return ChainBreak(a.from_seq, None, "archive_missing"), None
        if file_sha256(path) != a.file_sha256:
            return ChainBreak(a.from_seq, None, "archive_sha_mismatch"), None
        try:
            header, check = read_header(path), verify_archive_file(path)
        except (OSError, EOFError, ValueError, KeyError, TypeError):
            return ChainBreak(a.from_seq, None, "archive_unreadable"), None
        if not check.ok:
            return ChainBreak(check.broken_seq, None, "archive_corrupt"), None
        if (header.get("from_seq"), header.get("to_seq"), header.get("first_prev_hash"), check.last_hash,
                check.count) != (a.from_seq, a.to_seq, a.first_prev_hash, a.last_hash, a.entry_count):
            return ChainBreak(a.from_seq, None, "archive_mismatch"), None
        prev_hash, next_seq = a.last_hash, a.to_seq + 1
    return None, (None if next_seq == 1 else (prev_hash, next_seq))


def archived_hash(session: Session, seq: int, archives_dir: str | os.PathLike | None = None) -> str | None:
    """The hash of archived entry ``seq`` as its archive file holds it (None when no archive covers it or the
    file is missing)."""
    from erp_core.security.models_identity import AuditArchive

    a = session.execute(select(AuditArchive).where(AuditArchive.from_seq <= seq, AuditArchive.to_seq >= seq)
                        .limit(1)).scalar()
    path = archive_path(a.file_name, archives_dir) if a is not None else None
    if path is None:
        return None
    with gzip.open(path, "rt", encoding="utf-8") as f:
        f.readline()
        for line in f:
            d = json.loads(line)
            if d["seq"] == seq:
                return d["hash"]
    return None


def row_dict(row) -> dict:
    d = {c: getattr(row, c) for c in _COLUMNS}
    d["at_utc"] = row.at_utc.isoformat(timespec="microseconds")
    return d


def write_archive(path: Path, header: dict, rows) -> tuple[str, int]:
    """Write the header line and the rows (dicts) as gzip'd JSON lines; returns (sha256 of the file, count).
    Written to a temporary name and renamed, so a half-written archive never carries the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    n = 0
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False, sort_keys=True) + "\n")
        for d in rows:
            f.write(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    os.replace(tmp, path)
    return file_sha256(path), n


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class ArchiveCheck:
    ok: bool
    count: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str | None
    broken_seq: int | None = None
    reason: str | None = None


def verify_archive_file(path: str | os.PathLike) -> ArchiveCheck:
    """Re-check an archive file on its own: every entry's hash, and each link to the previous entry."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())
        if header.get("format") != FORMAT:
            return ArchiveCheck(False, 0, None, None, None, None, "format")
        prev, expected, count, first, last_hash = header["first_prev_hash"], header["from_seq"], 0, None, None
        for line in f:
            d = json.loads(line)
            d["at_utc"] = dt.datetime.fromisoformat(d["at_utc"])
            if d["seq"] != expected:
                return ArchiveCheck(False, count, first, expected - 1, last_hash, expected, "sequence_gap")
            if d["prev_hash"] != prev:
                return ArchiveCheck(False, count, first, d["seq"], last_hash, d["seq"], "link_mismatch")
            if entry_hash(d) != d["hash"]:
                return ArchiveCheck(False, count, first, d["seq"], last_hash, d["seq"], "hash_mismatch")
            first = d["seq"] if first is None else first
            prev, expected, count, last_hash = d["hash"], d["seq"] + 1, count + 1, d["hash"]
    if count != header["count"] or (count and expected - 1 != header["to_seq"]):
        return ArchiveCheck(False, count, first, expected - 1, last_hash, expected, "count_mismatch")
    return ArchiveCheck(True, count, first, expected - 1 if count else None, last_hash)
