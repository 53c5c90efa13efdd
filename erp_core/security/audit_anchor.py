"""External anchors of the audit chain (审计锚点): truncation made detectable.

The hash chain proves that nothing was edited, inserted or deleted BETWEEN entries; someone able to write the
database can still delete the newest entries and set ``audit_chain_head`` to match (or rewrite the whole chain,
which carries no secret). An anchor is the chain's head (sequence number and hash) written down OUTSIDE the
database, e.g. by a daily `erp audit anchor --out /elsewhere/anchors.txt`; `erp audit verify --anchor` later
checks that the chain still holds that entry with that hash, so a shortened or rewritten chain fails.

An anchor line reads ``erp-audit-anchor/1:<seq>:<hash>[:<hmac>]``. The optional HMAC-SHA256 is keyed by a secret
kept outside the database (the file named by security.audit_anchor_key_file, the environment variable
ERP_AUDIT_ANCHOR_KEY, or the CLI's --key-file), so whoever stores the anchors cannot forge one that would
vouch for a rewritten chain.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.kernel.errors import DomainError
from erp_core.security.audit import ChainBreak, ChainHead, verify_chain_head
from erp_core.security.models import AuditLog

PREFIX = "erp-audit-anchor/1"
KEY_ENV = "ERP_AUDIT_ANCHOR_KEY"
_LINE = re.compile(r"^erp-audit-anchor/1:(\d+):([0-9a-f]{64})(?::([0-9a-f]{64}))?$")


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    mac: str | None = None

    def payload(self) -> bytes:
        return f"{PREFIX}:{self.seq}:{self.hash}".encode()

    def token(self) -> str:
        return f"{PREFIX}:{self.seq}:{self.hash}" + (f":{self.mac}" if self.mac else "")


def load_key(key_file: str | os.PathLike | None = None, settings=None) -> bytes | None:
    """The HMAC key: --key-file, else ERP_AUDIT_ANCHOR_KEY, else security.audit_anchor_key_file; None when none
    is configured. A named key file that cannot be read is an error, never silently "no key"."""
    env = os.environ.get(KEY_ENV)
    if key_file is None and env:
        key, where = env.encode().strip(), KEY_ENV
    else:
        path = key_file or getattr(getattr(settings, "security", None), "audit_anchor_key_file", None)
        if path is None:
            return None
        try:
            key, where = Path(path).read_bytes().strip(), str(path)
        except OSError as exc:
            raise DomainError("error.audit.anchor_key_unreadable", path=str(path)) from exc
    if len(key) < 16:
        raise DomainError("error.audit.anchor_key_short", path=where)
    return key


def sign(head: ChainHead, key: bytes | None) -> Anchor:
    a = Anchor(head.last_seq, head.last_hash)
    if key is None:
        return a
    return Anchor(a.seq, a.hash, hmac.new(key, a.payload(), hashlib.sha256).hexdigest())


def parse_anchors(value: str) -> list[Anchor]:
    """Anchors from a token, or from a file holding one token per line (blank lines and # comments skipped)."""
    path = Path(value)
    text = path.read_text(encoding="utf-8") if not value.startswith(PREFIX) and path.is_file() else value
    anchors = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m is None:
            raise DomainError("error.audit.anchor_invalid", value=line[:100])
        anchors.append(Anchor(int(m.group(1)), m.group(2), m.group(3)))
    if not anchors:
        raise DomainError("error.audit.anchor_invalid", value=value[:100])
    return anchors


def check_anchor(session: Session, head: ChainHead, anchor: Anchor, key: bytes | None,
                 archives_dir=None) -> ChainBreak | None:
    """None when the verified chain still holds ``anchor``; otherwise why not."""
    if anchor.mac is not None:
        if key is None:
            return ChainBreak(anchor.seq, None, "anchor_key_missing")
        if not hmac.compare_digest(anchor.mac, hmac.new(key, anchor.payload(), hashlib.sha256).hexdigest()):
            return ChainBreak(anchor.seq, None, "anchor_forged")
    if anchor.seq > head.last_seq:
        return ChainBreak(anchor.seq, None, "anchor_truncated")  # the chain is shorter than it once was
    if anchor.seq == 0:
        return None
    row = session.execute(select(AuditLog.id, AuditLog.hash).where(AuditLog.seq == anchor.seq)).first()
    if row is not None:
        found, row_id = row.hash, row.id
    else:
        from erp_core.security.archive import archived_hash

        found, row_id = archived_hash(session, anchor.seq, archives_dir), None
    if found != anchor.hash:
        return ChainBreak(anchor.seq, row_id, "anchor_mismatch")
    return None


def verify_with_anchors(session: Session, anchors: list[Anchor] = (), key: bytes | None = None,
                        archives_dir=None) -> tuple[ChainBreak | None, ChainHead | None]:
    """The whole chain (verify_chain_head), then every anchor against it."""
    brk, head = verify_chain_head(session, archives_dir=archives_dir)
    if brk is not None:
        return brk, None
    for a in anchors:
        brk = check_anchor(session, head, a, key, archives_dir)
        if brk is not None:
            return brk, head
    return None, head
