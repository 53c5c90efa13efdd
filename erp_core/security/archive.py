"""Where the verifiable chain starts. Until audit retention archives a prefix, it starts at the genesis hash."""

from __future__ import annotations

from sqlalchemy.orm import Session


def chain_start(session: Session) -> tuple[str, int] | None:
    """(hash of the last archived entry, first live sequence number), or None when nothing was archived."""
    return None
