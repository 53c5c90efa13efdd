"""The audit log's read side and retention (审计日志): viewer with filters and paging, CSV/XLSX export, chain
verification, and archiving old entries to a file (erp_core.security.archive explains the design)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, func, or_, select

from erp_core.db.like import contains, starts_with
from erp_core.i18n import t
from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import DomainError, ValidationError
from erp_core.security.archive import FORMAT, row_dict, write_archive
from erp_core.security.audit import ChainBreak, verify_chain, verify_chain_head
from erp_core.security.audit_anchor import Anchor, load_key, sign
from erp_core.security.common import raise_problems
from erp_core.security.models import AuditLog
from erp_core.security.models_identity import AuditArchive
from erp_core.security.scope import scope_condition
from erp_core.usecase import Context, query, use_case

AUDIT_VIEW = {"zh": "查看审计日志", "en": "View audit log"}
OUTCOMES = ("ok", "denied", "failed")
EXPORT_LIMIT = 200_000
EXPORT_COLUMNS = ("seq", "at", "username", "client_ip", "operation", "action", "outcome", "entity", "entity_id",
                  "details", "hash")
_EXPORT_HEADERS = {"at": "admin_ui.audit.time_zone", "operation": "admin_ui.audit.operation",
                   "action": "admin_ui.audit.operation_code"}


@functools.cache
def _permissions() -> dict:
    from erp_core.security.catalog import load_all

    return load_all()


def action_label(code: str, locale: str | None) -> str:
    """What an audited action is called in ``locale``: the permission catalog's name of the code, else the name of
    a session event (login, logout, lock ...: catalog keys ``audit.action.<code>``), else the code itself."""
    perm = _permissions().get(code)
    if perm is not None:
        return perm.label(locale or "zh_CN")
    key = f"audit.action.{code}"
    text = t(key, locale)
    return code if text == key else text


@dataclass(frozen=True)
class AuditRow:
    id: int
    seq: int
    at_utc: dt.datetime
    user_id: int | None
    username: str
    client_ip: str | None
    action: str
    outcome: str
    entity: str | None
    entity_id: str | None
    details: dict
    hash: str
    action_name: str = ""  # the action's name in the reader's language (action_label); ``action`` is the code


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class AuditFilter:
    """What the viewer filters by. Times are UTC (naive or aware); ``until`` is exclusive."""

    username: str | None = None
    user_id: int | None = None
    since: dt.datetime | dt.date | None = None
    until: dt.datetime | dt.date | None = None
    module: str | None = None  # permission prefix: "finance", "admin", "security" ...
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    outcome: str | None = None


def _utc(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _statement(ctx: Context, f: AuditFilter) -> Select:
    """The company's entries (plus installation-level ones such as failed logins with an unknown username,
    which belong to no company), narrowed by the actor's row scope and the filters."""
    stmt = select(AuditLog)
    actor = ctx.actor
    if not actor.is_system:
        stmt = stmt.where(or_(AuditLog.company_id == actor.company_id, AuditLog.company_id.is_(None)))
    cond = scope_condition(actor, actor.scope(ctx.permission), owner_col=AuditLog.user_id)
    if cond is not None:
        stmt = stmt.where(cond)
    problems = []
    if f.outcome and f.outcome not in OUTCOMES:
        problems.append(ValidationError("error.choice", field="field.security.outcome"))
    since, until = _utc(f.since), _utc(f.until)
    if since and until and until <= since:
        problems.append(ValidationError("error.security.time_range", field="field.security.until"))
    raise_problems(problems)
    if f.user_id is not None:
        stmt = stmt.where(AuditLog.user_id == f.user_id)
    if f.username and f.username.strip():
        stmt = stmt.where(contains(AuditLog.username, f.username.strip(), ignore_case=True))
    if since:
        stmt = stmt.where(AuditLog.at_utc >= since)
    if until:
        stmt = stmt.where(AuditLog.at_utc < until)
    if f.module and f.module.strip():
        stmt = stmt.where(starts_with(AuditLog.action, f.module.strip().rstrip(".") + "."))
    if f.action and f.action.strip():
        stmt = stmt.where(AuditLog.action == f.action.strip())
    if f.entity and f.entity.strip():
        stmt = stmt.where(AuditLog.entity == f.entity.strip())
    if f.entity_id is not None and str(f.entity_id).strip():
        stmt = stmt.where(AuditLog.entity_id == str(f.entity_id).strip())
    if f.outcome:
        stmt = stmt.where(AuditLog.outcome == f.outcome)
    return stmt


def _row(e: AuditLog, locale: str | None) -> AuditRow:
    try:
        details = json.loads(e.details)
    except ValueError:
        details = {"raw": e.details}
    return AuditRow(e.id, e.seq, e.at_utc, e.user_id, e.username, e.client_ip, e.action, e.outcome, e.entity,
                    e.entity_id, details, e.hash, action_label(e.action, locale))


@query("admin.audit.view", **AUDIT_VIEW)
def search_audit(ctx: Context, *, filters: AuditFilter | None = None, page: int = 1,
                 page_size: int = 50) -> AuditPage:
    """One page of matching entries, newest first."""
    f = filters or AuditFilter()
    page, page_size = max(1, int(page)), max(1, min(int(page_size), 500))
    stmt = _statement(ctx, f)
    total = ctx.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = ctx.session.execute(stmt.order_by(AuditLog.seq.desc()).offset((page - 1) * page_size)
                               .limit(page_size)).scalars().all()
    return AuditPage([_row(e, ctx.actor.locale) for e in rows], total, page, page_size)


@query("admin.audit.view", **AUDIT_VIEW)
def export_audit(ctx: Context, *, filters: AuditFilter | None = None, fmt: str = "csv") -> bytes:
    """Matching entries as CSV (UTF-8 with BOM) or XLSX, oldest first, formula-injection safe. Times are in the
    reader's time zone like the screen (named in the header, the UTC offset in each value); each action has its
    name and its code."""
    if fmt not in ("csv", "xlsx"):
        raise ValidationError("error.choice", field="field.security.export_format")
    stmt = _statement(ctx, filters or AuditFilter()).order_by(AuditLog.seq).limit(EXPORT_LIMIT)
    loc, zone_name = ctx.actor.locale, ctx.actor.time_zone
    zone = ZoneInfo(zone_name)
    headers = [t(_EXPORT_HEADERS.get(c, f"security.audit.col.{c}"), loc, zone=zone_name) for c in EXPORT_COLUMNS]

    def local(at: dt.datetime) -> str:
        return at.replace(tzinfo=dt.UTC).astimezone(zone).isoformat(sep=" ", timespec="seconds")

    rows = ([e.seq, local(e.at_utc), e.username, e.client_ip, action_label(e.action, loc), e.action, e.outcome,
             e.entity, e.entity_id, e.details, e.hash] for e in ctx.session.execute(stmt).scalars())
    if fmt == "csv":
        return to_csv_bytes(headers, rows)
    return to_xlsx_bytes(headers, rows, sheet="audit")


@query("admin.audit.view", **AUDIT_VIEW)
def verify_audit_chain(ctx: Context) -> ChainBreak | None:
    """Walk the whole chain, archives checked against their files: None when intact, else the first broken link
    (seq, id, reason)."""
    return verify_chain(ctx.session)


@query("admin.audit.view", **AUDIT_VIEW)
def audit_anchor(ctx: Context) -> Anchor:
    """The verified chain head as an anchor to keep outside the database (erp_core.security.audit_anchor), with
    its HMAC when a key is configured. Refused on a broken chain: an anchor vouches for what it anchors."""
    brk, head = verify_chain_head(ctx.session)
    if brk is not None:
        raise DomainError("error.audit.chain_broken", seq=brk.seq, reason=brk.reason)
    return sign(head, load_key(settings=ctx.db.settings))


@query("admin.audit.view", **AUDIT_VIEW)
def check_audit_chain(ctx: Context) -> tuple[ChainBreak | None, Anchor | None]:
    """One walk of the chain for the audit page: (the first broken link, None) or (None, the anchor to keep)."""
    brk, head = verify_chain_head(ctx.session)
    if brk is not None:
        return brk, None
    return None, sign(head, load_key(settings=ctx.db.settings))


@dataclass(frozen=True)
class ArchiveRow:
    id: int
    archived_at: dt.datetime
    archived_by: str
    from_seq: int
    to_seq: int
    entry_count: int
    last_hash: str
    file_name: str
    file_sha256: str


@query("admin.audit.view", **AUDIT_VIEW)
def list_audit_archives(ctx: Context) -> list[ArchiveRow]:
    rows = ctx.session.execute(select(AuditArchive).order_by(AuditArchive.to_seq)).scalars()
    return [ArchiveRow(a.id, a.archived_at, a.archived_by, a.from_seq, a.to_seq, a.entry_count, a.last_hash,
                       a.file_name, a.file_sha256) for a in rows]


@use_case("admin.audit.archive", zh="归档审计日志", en="Archive audit log")
def archive_audit(ctx: Context, *, before: dt.date | dt.datetime, out_path: str | None = None) -> ArchiveRow:
    """Move every entry older than ``before`` (UTC) to a JSONL.gz file with its hashes, record the archive
    (which anchors the remaining chain) and delete the moved entries, all in this one transaction. Refused when
    the chain does not verify, so archiving can never hide tampering, and for entries younger than
    security.audit_archive_min_days (config.toml, not changeable from the web): recent history stays live."""
    cutoff = _utc(before)
    if cutoff is None:
        raise ValidationError("error.required", field="field.security.before")
    if cutoff > naive_utcnow():
        raise ValidationError("error.security.before_future", field="field.security.before")
    min_days = ctx.db.settings.security.audit_archive_min_days
    if cutoff > naive_utcnow() - dt.timedelta(days=min_days):
        raise ValidationError("error.audit.archive_too_recent", field="field.security.before", days=min_days)
    s = ctx.session
    broken = verify_chain(s)
    if broken is not None:
        raise DomainError("error.audit.chain_broken", seq=broken.seq, reason=broken.reason)
    to_seq = s.execute(select(func.max(AuditLog.seq)).where(AuditLog.at_utc < cutoff)).scalar()
    from_seq = s.execute(select(func.min(AuditLog.seq))).scalar()
    if to_seq is None or from_seq is None:
        raise DomainError("error.audit.nothing_to_archive")
    first_prev = s.execute(select(AuditLog.prev_hash).where(AuditLog.seq == from_seq)).scalar_one()
    last_hash = s.execute(select(AuditLog.hash).where(AuditLog.seq == to_seq)).scalar_one()
    stamp = naive_utcnow().strftime("%Y%m%dT%H%M%S")
    path = Path(out_path) if out_path else (ctx.db.settings.data_dir / "audit-archive"
                                            / f"audit-{from_seq:010d}-{to_seq:010d}-{stamp}.jsonl.gz")
    if path.exists():
        raise DomainError("error.audit.archive_exists", path=str(path))
    count = to_seq - from_seq + 1
    header = {"format": FORMAT, "from_seq": from_seq, "to_seq": to_seq, "count": count,
              "first_prev_hash": first_prev, "last_hash": last_hash, "written_at": naive_utcnow().isoformat()}

    def rows():
        last = from_seq - 1
        while last < to_seq:
            batch = s.execute(select(AuditLog).where(AuditLog.seq > last, AuditLog.seq <= to_seq)
                              .order_by(AuditLog.seq).limit(5000)).scalars().all()
            if not batch:
                break
            for e in batch:
                yield row_dict(e)
            last = batch[-1].seq
            s.expunge_all()

    sha, written = write_archive(path, header, rows())
    if written != count:
        path.unlink(missing_ok=True)
        raise DomainError("error.audit.chain_broken", seq=from_seq + written, reason="sequence_gap")
    rec = AuditArchive(archived_by=ctx.actor.username, from_seq=from_seq, to_seq=to_seq, entry_count=count,
                       first_prev_hash=first_prev, last_hash=last_hash, file_name=str(path), file_sha256=sha)
    s.add(rec)
    s.flush()
    s.execute(delete(AuditLog).where(AuditLog.seq <= to_seq))  # allowed by the trigger: rec covers these rows
    ctx.audit("audit_archive", rec.id, from_seq=from_seq, to_seq=to_seq, entries=count, file=str(path),
              file_sha256=sha, last_hash=last_hash)
    return ArchiveRow(rec.id, rec.archived_at, rec.archived_by, from_seq, to_seq, count, last_hash, str(path), sha)
