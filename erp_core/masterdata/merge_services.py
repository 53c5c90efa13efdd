"""Merging duplicate customers or suppliers (合并重复往来单位).

Every foreign key in the metadata that points at the partner table is found by looking, not by listing, so
documents added by later modules are moved too. Rows of append-only tables (posted ledgers) refuse the update;
they are left as they are and counted in the audit record (``kept_append_only``). Voucher lines name partners by
plain integer columns: lines of draft/reviewed vouchers move, posted ones stay and are counted in
``kept_append_only`` too. The duplicate is kept (history and audit trail stay readable),
marked inactive and ``merged_into`` the survivor.

A merge cannot be undone, so it is never run on ids alone: the caller passes the versions of both records as it
showed them to the person who confirmed (``merge_preview_*`` reads them side by side). A record changed since, or a
call without the versions, is refused and nothing moves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Table, func, select, update
from sqlalchemy.exc import DBAPIError

from erp_core.db.append_only import is_append_only_violation
from erp_core.db.base import Base
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.masterdata import records as r
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_partners import PartnerContact
from erp_core.masterdata.partners import CUSTOMER, SUPPLIER
from erp_core.security.models import User
from erp_core.usecase import Context, query, use_case


def referencing_columns(table_name: str, metadata: MetaData | None = None) -> list[tuple[Table, str]]:
    """(table, column) of every foreign key referring to ``table_name``.id, except its own merged_into."""
    md = metadata or Base.metadata
    out = []
    for table in md.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                if table.name == table_name and fk.parent.name == "merged_into":
                    continue
                out.append((table, fk.parent.name))
    return out


OPEN_VOUCHER_STATES = ("draft", "reviewed")


def _move_voucher_lines(ctx: Context, kind: r.Kind, survivor_id: int, duplicate_id: int, moved: dict[str, int],
                        kept: dict[str, int]) -> None:
    """voucher_line.customer_id / supplier_id are plain integers (no foreign key), so the discovery above misses
    them. Lines of draft and reviewed vouchers move to the survivor (their vouchers' version goes up, so a form
    still holding the old lines must reload); posted lines are never rewritten and are counted in ``kept``."""
    tables = Base.metadata.tables
    line, voucher = tables.get("voucher_line"), tables.get("voucher")
    column = f"{kind.name}_id"
    if line is None or voucher is None or column not in line.c:
        return
    col = line.c[column]
    key = f"voucher_line.{column}"
    of_company = voucher.c.company_id == ctx.company_id
    open_ids = list(ctx.session.execute(
        select(voucher.c.id).distinct().join(line, line.c.voucher_id == voucher.c.id)
        .where(of_company, col == duplicate_id, voucher.c.status.in_(OPEN_VOUCHER_STATES))).scalars())
    if open_ids:
        result = ctx.session.execute(update(line).where(col == duplicate_id, line.c.voucher_id.in_(open_ids))
                                     .values({column: survivor_id}))
        ctx.session.execute(update(voucher).where(voucher.c.id.in_(open_ids))
                            .values(version=voucher.c.version + 1))
        moved[key] = result.rowcount
    posted = ctx.session.execute(
        select(func.count()).select_from(line.join(voucher, line.c.voucher_id == voucher.c.id))
        .where(of_company, col == duplicate_id, voucher.c.status.notin_(OPEN_VOUCHER_STATES))).scalar_one()
    if posted:
        kept[key] = posted


def _merge(ctx: Context, kind: r.Kind, survivor_id: int, duplicate_id: int, survivor_version: int | None,
           duplicate_version: int | None, metadata: MetaData | None) -> dict:
    if survivor_id == duplicate_id:
        raise ValidationErrors([ValidationError("error.masterdata.merge_self", field="field.masterdata.survivor")])
    survivor = r.load(kind, ctx, survivor_id)
    duplicate = r.load(kind, ctx, duplicate_id)
    for obj in (survivor, duplicate):
        r.check_touch(kind, ctx, obj)
    # Confirmed against what was shown: both versions are required, and both must still be current.
    missing = [f for f, v in (("field.masterdata.survivor", survivor_version),
                              ("field.masterdata.duplicate", duplicate_version)) if v is None]
    if missing:
        raise ValidationErrors([ValidationError("error.masterdata.merge_unconfirmed", field=f) for f in missing])
    ctx.check_version(survivor, survivor_version)
    ctx.check_version(duplicate, duplicate_version)
    if survivor.merged_into is not None or duplicate.merged_into is not None:
        raise ValidationErrors([ValidationError("error.masterdata.merged", field="field.masterdata.survivor")])
    ctx.session.flush()
    moved: dict[str, int] = {}
    kept: dict[str, int] = {}
    for table, column in referencing_columns(kind.model.__tablename__, metadata):
        try:
            with ctx.session.begin_nested():  # a savepoint: an append-only refusal must not end the merge
                result = ctx.session.execute(update(table).where(table.c[column] == duplicate.id)
                                             .values({column: survivor.id}))
        except DBAPIError as exc:
            if not is_append_only_violation(exc):
                raise
            # Posted history (append-only ledgers) is never rewritten: it keeps naming the merged record,
            # which points at the survivor through merged_into.
            kept[f"{table.name}.{column}"] = ctx.session.execute(
                select(func.count()).select_from(table).where(table.c[column] == duplicate.id)).scalar_one()
            continue
        if result.rowcount:
            moved[f"{table.name}.{column}"] = result.rowcount
    _move_voucher_lines(ctx, kind, survivor.id, duplicate.id, moved, kept)
    ctx.session.expire_all()
    duplicate = r.load(kind, ctx, duplicate_id)
    duplicate.merged_into = survivor.id
    duplicate.active = False
    ctx.audit(kind.name, survivor.id, merged=duplicate.code, merged_id=duplicate.id, moved=moved,
              kept_append_only=kept)
    return moved


def _card(ctx: Context, kind: r.Kind, obj: Any) -> dict[str, Any]:
    """What a person needs to tell two records apart: identity, phones (main and contacts'), department, owner,
    credit limit, and the posted ledger balance naming the record (debit - credit over every account)."""
    lookups = r.Lookups(ctx.session, ctx.company_id)
    dep = ctx.session.get(Department, obj.department_id) if obj.department_id else None
    owner = ctx.session.get(User, obj.owner_id) if obj.owner_id else None
    contact_col = getattr(PartnerContact, f"{kind.name}_id")
    contacts = [f"{n} {p or ''}".strip() for n, p in ctx.session.execute(
        select(PartnerContact.name, PartnerContact.phone).where(contact_col == obj.id).order_by(PartnerContact.id))]
    balance = None
    gl = Base.metadata.tables.get("gl_line")
    if gl is not None and f"{kind.name}_id" in gl.c:
        d, c = ctx.session.execute(select(func.sum(gl.c.debit), func.sum(gl.c.credit)).where(
            gl.c.company_id == ctx.company_id, gl.c[f"{kind.name}_id"] == obj.id)).one()
        balance = Decimal(d or 0) - Decimal(c or 0)
    values = r.row_values(kind, obj, lookups)
    return {"id": obj.id, "version": obj.version, "code": obj.code, "name": obj.name, "tax_id": obj.tax_id,
            "phone": obj.phone, "contacts": contacts, "email": obj.email, "address": obj.address,
            "department": f"{dep.code} {dep.name}" if dep else None,
            "owner": f"{owner.username} {owner.display_name}" if owner else None,
            "credit_limit": obj.credit_limit, "active": obj.active, "merged_into": obj.merged_into,
            "custom": values.get("custom") or {}, "ledger_balance": balance}


def _preview(ctx: Context, kind: r.Kind, survivor_id: int, duplicate_id: int) -> dict[str, dict[str, Any]]:
    cards = {}
    for role, record_id in (("survivor", survivor_id), ("duplicate", duplicate_id)):
        obj = r.load(kind, ctx, record_id)
        r.check_touch(kind, ctx, obj)
        cards[role] = _card(ctx, kind, obj)
    return cards


@query("masterdata.customer.merge", zh="合并客户", en="Merge customers")
def merge_preview_customers(ctx: Context, *, survivor_id: int, duplicate_id: int) -> dict[str, dict[str, Any]]:
    """Both customers side by side ({"survivor": card, "duplicate": card}), with the versions a merge must name."""
    return _preview(ctx, CUSTOMER, survivor_id, duplicate_id)


@query("masterdata.supplier.merge", zh="合并供应商", en="Merge suppliers")
def merge_preview_suppliers(ctx: Context, *, survivor_id: int, duplicate_id: int) -> dict[str, dict[str, Any]]:
    return _preview(ctx, SUPPLIER, survivor_id, duplicate_id)


@use_case("masterdata.customer.merge", zh="合并客户", en="Merge customers")
def merge_customers(ctx: Context, *, survivor_id: int, duplicate_id: int, survivor_version: int | None,
                    duplicate_version: int | None, metadata: MetaData | None = None) -> dict[str, int]:
    """Move every reference from ``duplicate_id`` to ``survivor_id``; returns moved row counts per column.
    ``survivor_version`` / ``duplicate_version``: the versions the person confirming was shown (required)."""
    return _merge(ctx, CUSTOMER, survivor_id, duplicate_id, survivor_version, duplicate_version, metadata)


@use_case("masterdata.supplier.merge", zh="合并供应商", en="Merge suppliers")
def merge_suppliers(ctx: Context, *, survivor_id: int, duplicate_id: int, survivor_version: int | None,
                    duplicate_version: int | None, metadata: MetaData | None = None) -> dict[str, int]:
    return _merge(ctx, SUPPLIER, survivor_id, duplicate_id, survivor_version, duplicate_version, metadata)
