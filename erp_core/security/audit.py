"""Audit log: append-only (database triggers) and SHA-256 hash-chained.

Each entry's hash covers its own fields and the previous entry's hash, so editing, deleting or inserting a row
anywhere breaks the chain from that point on; `verify_chain` names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session

from erp_core.db.prepared import Prepared, connection_of
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import naive_utcnow
from erp_core.security.models import AuditChainHead, AuditLog

GENESIS_HASH = "0" * 64
AUDITED_KEY = "erp_audited"  # session.info: this transaction appended to the chain
# Called (no arguments) after every commit of a transaction that appended to the chain, i.e. after every use
# case and every audited security event: what this process keeps about "nothing changed" is forgotten there
# (erp_core/analytics/stamps.py, the session vouches of erp_core/security/sessions.py).
AFTER_AUDITED_COMMIT: list[Callable[[], None]] = []


def _after_commit(session) -> None:
    if session.info and session.info.pop(AUDITED_KEY, None):
        for hook in list(AFTER_AUDITED_COMMIT):
            hook()


event.listen(Session, "after_commit", _after_commit)
_SECRET_WORDS = ("password", "secret", "token", "code_plain", "reset_code")


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str)
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default)


def redact(params: dict[str, Any]) -> dict[str, Any]:
    """Drop secrets (passwords, tokens) from parameters before they are logged, at any depth: a secret inside a
    nested mapping or a list of mappings (settings groups, SMTP blocks, rows) is as secret as a top-level one."""
    return {k: ("***" if _is_secret(k) else _redact_value(v)) for k, v in params.items()}


def _is_secret(key: Any) -> bool:
    return isinstance(key, str) and any(w in key.lower() for w in _SECRET_WORDS)


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return redact(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in value):
        return [_redact_value(v) for v in value]  # the log stores JSON: a tuple is an array there anyway
    return value


def entry_hash(e: AuditLog | dict) -> str:
    get = (lambda k: e[k]) if isinstance(e, dict) else (lambda k: getattr(e, k))
    at = get("at_utc")
    payload = [get("seq"), at.isoformat(timespec="microseconds"), get("company_id"), get("user_id"),
               get("username"), get("client_ip"), get("action"), get("outcome"), get("entity"),
               get("entity_id"), get("details"), get("prev_hash")]
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


# Built once: the append path runs in every use case, and building a statement costs several times more than
# running a cached one (bench/bench_posting.py).
# Compiled once and run on the driver (erp_core/db/prepared.py).
_HEAD = AuditChainHead.__table__
_BUMP = update(_HEAD).where(_HEAD.c.id == 1).values(last_seq=_HEAD.c.last_seq + 1)
_BUMP_HEAD = Prepared(_BUMP)
_BUMP_HEAD_RETURNING = Prepared(_BUMP.returning(_HEAD.c.last_seq, _HEAD.c.last_hash))
_READ_HEAD = Prepared(select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == 1))
_SET_HEAD_HASH = Prepared(update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("h")))
_ENTRY_COLUMNS = ("seq", "at_utc", "company_id", "user_id", "username", "client_ip", "action", "outcome", "entity",
                  "entity_id", "details", "prev_hash", "hash")
_INSERT_ENTRY = Prepared(insert(AuditLog.__table__).values({c: bindparam(f"e_{c}") for c in _ENTRY_COLUMNS}))


def append(session: Session, actor: Actor, *, action: str, outcome: str = "ok", entity: str | None = None,
           entity_id: object = None, details: dict[str, Any] | None = None,
           company_id: int | None = None) -> str:
    """Append one entry inside the caller's transaction; returns its hash."""
    # Incrementing the head first takes its row lock (write lock on SQLite): appenders queue here.
    if connection_of(session).dialect.update_returning:
        seq, prev = _BUMP_HEAD_RETURNING.one_or_none(session)
    else:  # MariaDB has no UPDATE ... RETURNING
        _BUMP_HEAD.rowcount(session)
        seq, prev = _READ_HEAD.one_or_none(session)
    entry = {
        "seq": seq, "at_utc": naive_utcnow(), "company_id": company_id if company_id is not None else actor.company_id,
        "user_id": actor.user_id, "username": actor.username, "client_ip": actor.client_ip, "action": action,
        "outcome": outcome, "entity": entity, "entity_id": None if entity_id is None else str(entity_id),
        "details": canonical_json(details or {}), "prev_hash": prev,
    }
    entry["hash"] = entry_hash(entry)
    _INSERT_ENTRY.rowcount(session, **{f"e_{c}": entry[c] for c in _ENTRY_COLUMNS})
    session.info[AUDITED_KEY] = True  # read after the commit (erp_core/analytics/stamps.py: kept stamps)
    _SET_HEAD_HASH.rowcount(session, h=entry["hash"])
    return entry["hash"]


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None
    id: int | None
    # hash_mismatch | link_mismatch | sequence_gap | head_mismatch | head_missing | archive_missing |
    # archive_sha_mismatch | archive_mismatch | archive_unreadable | archive_corrupt | anchor_* (audit_anchor.py)
    reason: str


@dataclass(frozen=True)
class ChainHead:
    """The verified end of the chain: the last sequence number and its hash, and how many entries are live."""

    last_seq: int
    last_hash: str
    live_count: int


def verify_chain(session: Session, *, batch: int = 5000, archives_dir=None) -> ChainBreak | None:
    """Walk the whole chain in sequence order; return the first broken link, or None when intact."""
    brk, _ = verify_chain_head(session, batch=batch, archives_dir=archives_dir)
    return brk


def verify_chain_head(session: Session, *, batch: int = 5000, archives_dir=None
                      ) -> tuple[ChainBreak | None, ChainHead | None]:
    """Verify the archived prefix against its files (erp_core.security.archive.check_archives), then every live
    entry, then the chain head: (the first broken link or None, the verified head or None when broken).
    A missing head row is a break: the head is created with the schema and never deleted."""
    from erp_core.security.archive import check_archives  # archived prefix (retention), if any

    prev_hash, expected_seq, last_id = GENESIS_HASH, None, None
    start = session.execute(select(AuditLog.seq).order_by(AuditLog.seq).limit(1)).scalar()
    if start is not None:
        expected_seq = start
    brk, anchor = check_archives(session, archives_dir)
    if brk is not None:
        return brk, None
    if anchor is not None:
        prev_hash, first_seq = anchor
        if start is not None and start != first_seq:
            return ChainBreak(first_seq, None, "sequence_gap"), None
    elif start is not None and start != 1:
        return ChainBreak(1, None, "sequence_gap"), None
    last_seq = (anchor[1] - 1 if anchor is not None else 0) if start is None else start - 1
    count = 0
    while True:
        rows = session.execute(select(AuditLog).where(AuditLog.seq > last_seq).order_by(AuditLog.seq)
                               .limit(batch)).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return ChainBreak(expected_seq, row.id, "sequence_gap"), None
            if row.prev_hash != prev_hash:
                return ChainBreak(row.seq, row.id, "link_mismatch"), None
            if entry_hash(row) != row.hash:
                return ChainBreak(row.seq, row.id, "hash_mismatch"), None
            prev_hash, expected_seq, last_seq, last_id = row.hash, row.seq + 1, row.seq, row.id
            count += 1
        session.expunge_all()
    head = session.get(AuditChainHead, 1)
    if head is None:
        return ChainBreak(last_seq + 1, None, "head_missing"), None
    if head.last_seq != last_seq or head.last_hash != prev_hash:
        return ChainBreak(head.last_seq, last_id, "head_mismatch"), None
    return None, ChainHead(last_seq, prev_hash, count)
