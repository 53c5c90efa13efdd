"""What a module dashboard's figures are as of, asked cheaply on every rerun (issue #17).

The finance dashboard compares the ledger copy's watermark (``queries.as_of``); dashboards over operational tables
(CRM, HR, purchasing, sales...) compare a :class:`Changes` stamp instead: the audit chain's last sequence number,
which moves inside the transaction of every use case that changes anything (DESIGN.md rule 3: one audit entry per
use case; ``audit.append`` bumps the one head row first, so appenders are serialized and a committed change is
always seen with its number), plus the clock's bucket for figures that depend on "now" (an SLA breached as time
passes; a default period ending today), which also bounds how long a change made outside any use case could go
unseen. One primary-key look-up, on any backend, seen by every app process over the same database.

Reading it FIRST, in the figures' own transaction (or before it), keeps a kept copy safe: the figures are at least
as new as the stamp they are kept with, so an equal stamp later means nothing they were computed from changed
(a change committed in between only costs one more computation).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.db.uow import Database
from erp_core.kernel.clock import utcnow
from erp_core.security.audit import AFTER_AUDITED_COMMIT
from erp_core.security.models import AuditChainHead

BUCKET_SECONDS = 60
TTL = 1.0  # seconds a process answers "what changed?" from its last read (see current())


@dataclass(frozen=True)
class Changes:
    """A dashboard's as-of: the audit chain's last sequence number and the clock's bucket."""

    seq: int
    bucket: int


_LAST_SEQ = select(AuditChainHead.last_seq).where(AuditChainHead.id == 1)


def changes(session: Session, *, every_seconds: int = BUCKET_SECONDS) -> Changes:
    """The stamp now (one indexed read inside the caller's transaction): what a dashboard query reads first."""
    return Changes(int(session.execute(_LAST_SEQ).scalar() or 0), _bucket(every_seconds))


def current(db: Database, *, every_seconds: int = BUCKET_SECONDS) -> Changes:
    """The stamp a page compares on every rerun, kept per process for TTL seconds: a use case committed in this
    process (audit.append marks its session; see _audited) is seen at once, so a user sees their own change on
    the next rerun; another app process's within TTL. Read on a connection of its own, released at once."""
    key = id(db.engine)
    epoch = _epoch[0]
    kept = _kept.get(key)
    if kept is not None and kept[0] == epoch and kept[1] is db.engine and time.monotonic() - kept[2] < TTL:
        return Changes(kept[3], _bucket(every_seconds))
    at = time.monotonic()
    with db.engine.connect() as c:
        c.execution_options(readonly=True)
        seq = int(c.execute(_LAST_SEQ).scalar() or 0)
    with _lock:
        if len(_kept) > 64:
            _kept.clear()
        # Kept under the epoch read BEFORE the look-up: a commit meanwhile moved it on (never taken for newer).
        _kept[key] = (epoch, db.engine, at, seq)
    return Changes(seq, _bucket(every_seconds))


def _bucket(every_seconds: int) -> int:
    return int(utcnow().timestamp()) // every_seconds


def phased_bucket(phase: float, every_seconds: int = BUCKET_SECONDS) -> int:
    """The clock's bucket with its turn shifted by ``phase`` seconds (0 <= phase < every_seconds). A page that
    keeps figures depending on "now" makes them again when this moves; each browser session uses a phase of its
    own, so open dashboards do not all make their figures again in the same second at the minute's turn (100
    sessions of the CRM dashboard did: reruns waited 1-2 s, issue #17). Figures stay at most one bucket old, as
    with the unshifted bucket."""
    return int((utcnow().timestamp() + phase) // every_seconds)


_kept: dict[int, tuple] = {}
_epoch = [0]
_lock = threading.Lock()


def _audited() -> None:
    """After a commit whose transaction appended to the audit chain: every kept stamp of this process is read
    again at its next look-up."""
    with _lock:
        _epoch[0] += 1


AFTER_AUDITED_COMMIT.append(_audited)
