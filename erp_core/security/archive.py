"""Audit retention (审计归档): old entries are moved to a JSONL.gz file together with their hashes, and the move
is recorded in audit_archive, which anchors the live chain (``chain_start``).

Design (see docs/security.md): audit_log refuses UPDATE always, and DELETE of any row that no audit_archive row
covers (trigger, all three databases). The archive operation inserts the covering audit_archive row and deletes
the archived prefix in one transaction, and is itself audited, so entries leave the table only through it and
never silently. The archive file is self-verifying: it carries every entry with its prev_hash and hash.
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

from erp_core.security.audit import entry_hash

FORMAT = "erp-audit-archive/1"
_COLUMNS = ("id", "seq", "at_utc", "company_id", "user_id", "username", "client_ip", "action", "outcome",
            "entity", "entity_id", "details", "prev_hash", "hash")


def chain_start(session: Session) -> tuple[str, int] | None:
    """(hash of the last archived entry, first live sequence number), or None when nothing was archived."""
    from erp_core.security.models_identity import AuditArchive

    last = session.execute(select(AuditArchive).order_by(AuditArchive.to_seq.desc()).limit(1)).scalar()
    if last is None:
        return None
    return last.last_hash, last.to_seq + 1


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
