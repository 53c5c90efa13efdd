"""Merging duplicate customers or suppliers (合并重复往来单位).

Every foreign key in the metadata that points at the partner table is found by looking, not by listing, so
documents added by later modules are moved too. Rows of append-only tables (posted ledgers) refuse the update;
they are left as they are and counted in the audit record (``kept_append_only``). Voucher lines name partners by
plain integer columns: lines of draft/reviewed vouchers move, posted ones stay and are counted in
``kept_append_only`` too. The duplicate is kept (history and audit trail stay readable),
marked inactive and ``merged_into`` the survivor."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, func, select, update
from sqlalchemy.exc import DBAPIError

from erp_core.db.append_only import is_append_only_violation
from erp_core.db.base import Base
from erp_core.kernel.errors import ValidationError, ValidationErrors
from erp_core.masterdata import records as r
from erp_core.masterdata.partners import CUSTOMER, SUPPLIER
from erp_core.usecase import Context, use_case


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


def _merge(ctx: Context, kind: r.Kind, survivor_id: int, duplicate_id: int, metadata: MetaData | None) -> dict:
    if survivor_id == duplicate_id:
        raise ValidationErrors([ValidationError("error.masterdata.merge_self", field="field.masterdata.survivor")])
    survivor = r.load(kind, ctx, survivor_id)
    duplicate = r.load(kind, ctx, duplicate_id)
    for obj in (survivor, duplicate):
        r.check_touch(kind, ctx, obj)
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


@use_case("masterdata.customer.merge", zh="合并客户", en="Merge customers")
def merge_customers(ctx: Context, *, survivor_id: int, duplicate_id: int,
                    metadata: MetaData | None = None) -> dict[str, int]:
    """Move every reference from ``duplicate_id`` to ``survivor_id``; returns moved row counts per column."""
    return _merge(ctx, CUSTOMER, survivor_id, duplicate_id, metadata)


@use_case("masterdata.supplier.merge", zh="合并供应商", en="Merge suppliers")
def merge_suppliers(ctx: Context, *, survivor_id: int, duplicate_id: int,
                    metadata: MetaData | None = None) -> dict[str, int]:
    return _merge(ctx, SUPPLIER, survivor_id, duplicate_id, metadata)
