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

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.kernel.clock import utcnow
from erp_core.security.models import AuditChainHead

BUCKET_SECONDS = 60


@dataclass(frozen=True)
class Changes:
    """A dashboard's as-of: the audit chain's last sequence number and the clock's bucket."""

    seq: int
    bucket: int


def changes(session: Session, *, every_seconds: int = BUCKET_SECONDS) -> Changes:
    """The stamp now (one indexed read inside the caller's transaction)."""
    seq = session.execute(select(AuditChainHead.last_seq).where(AuditChainHead.id == 1)).scalar()
    return Changes(int(seq or 0), int(utcnow().timestamp()) // every_seconds)
