"""Use cases of the inventory documents (each one permission, one unit of work, one audit entry):

其他入库单 other receipt, 其他出库单 other issue, 调拨单 transfer: create / update / cancel (``.edit``), post
(``.post``), red reversal (``.reverse``). Posting returns a PostResult whose ``warnings`` list any negative stock
the company setting allowed (inventory.posting).

The stocktake (盘点) and its write-off are in stocktake_services.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from erp_core.documents import services as kernel
from erp_core.kernel.errors import DomainError, ValidationError, raise_if
from erp_core.stockops import documents as D
from erp_core.usecase import Context, use_case

F_WAREHOUSE = "field.inv.warehouse"
F_TO_WAREHOUSE = "field.inv.to_warehouse"
F_LOCATION = "field.inv.location"
F_TO_LOCATION = "field.inv.to_location"
F_PRODUCT = "field.inv.product"
F_ACCOUNT = "field.inv.account"
F_REASON = "field.inv.reason"
F_DEPARTMENT = "field.inv.department"
F_PROJECT = "field.inv.project"


@dataclass
class PostResult:
    id: int
    number: str
    status: str
    voucher_id: int | None
    stock_posting_id: int | None
    warnings: list[DomainError] = field(default_factory=list)  # negative stock allowed by the company setting
    version: int | None = None


def post_result(ctx: Context, doc: Any) -> PostResult:
    warnings = [DomainError(w["message_id"], **{k: v for k, v in w.items() if k != "message_id"})
                for w in ctx.changes.get("stock_warnings", [])]
    ctx.session.flush()
    return PostResult(doc.id, doc.number, doc.status, doc.voucher_id, doc.stock_posting_id, warnings, doc.version)


def _company(ctx: Context) -> int:
    return ctx.company_id if ctx.company_id is not None else ctx.actor.company_id


# --- checks shared by the forms -------------------------------------------------------------------------------

def check_warehouse(ctx: Context, warehouse_id: Any, field_id: str, problems: list[ValidationError]) -> int | None:
    from erp_core.masterdata.models_warehouse import Warehouse

    if warehouse_id in (None, ""):
        problems.append(ValidationError("error.required", field=field_id))
        return None
    w = ctx.session.get(Warehouse, int(warehouse_id))
    if w is None or w.company_id != _company(ctx):
        problems.append(ValidationError("error.inventory.unknown_warehouse", field=field_id))
        return None
    if not w.active:
        problems.append(ValidationError("error.inventory.warehouse_inactive", field=field_id))
    return w.id


def check_location(ctx: Context, location_id: Any, warehouse_id: int | None, field_id: str,
                   problems: list[ValidationError], line: int | None = None) -> int | None:
    from erp_core.masterdata.models_warehouse import WarehouseLocation

    if location_id in (None, ""):
        return None
    loc = ctx.session.get(WarehouseLocation, int(location_id))
    extra = {"line": line} if line else {}
    if loc is None or loc.company_id != _company(ctx):
        problems.append(ValidationError("error.inventory.unknown_location", field=field_id, **extra))
    elif warehouse_id is not None and loc.warehouse_id != warehouse_id:
        problems.append(ValidationError("error.inventory.location_other_warehouse", field=field_id, **extra))
    elif not loc.active:
        problems.append(ValidationError("error.inventory.location_inactive", field=field_id, **extra))
    else:
        return loc.id
    return None


def check_account(ctx: Context, code: Any, problems: list[ValidationError]) -> str | None:
    """An account chosen on a document: of the company's chart, a leaf, active. None when not given."""
    from erp_core.finance.models import Account

    code = (code or "").strip() if isinstance(code, str) else code
    if not code:
        return None
    acc = ctx.session.execute(select(Account).where(Account.company_id == _company(ctx),
                                                    Account.code == str(code))).scalar_one_or_none()
    if acc is None:
        problems.append(ValidationError("error.inv.account_unknown", field=F_ACCOUNT, code=str(code)))
    elif not acc.is_leaf:
        problems.append(ValidationError("error.inv.account_not_leaf", field=F_ACCOUNT, code=str(code)))
    elif acc.status != "active":
        problems.append(ValidationError("error.inv.account_inactive", field=F_ACCOUNT, code=str(code)))
    else:
        return acc.code
    return None


def check_products(ctx: Context, lines: Sequence[Mapping[str, Any]], problems: list[ValidationError]) -> None:
    from erp_core.masterdata.models_items import Product

    for i, ln in enumerate(lines, start=1):
        pid = ln.get("product_id")
        if pid in (None, ""):
            problems.append(ValidationError("error.required", field=F_PRODUCT, line=i))
            continue
        p = ctx.session.get(Product, int(pid))
        if p is None or p.company_id != _company(ctx):
            problems.append(ValidationError("error.inventory.unknown_product", field=F_PRODUCT, line=i))
        elif p.kind != "product":
            problems.append(ValidationError("error.inventory.not_stock_item", field=F_PRODUCT, line=i))
        elif not p.active:
            problems.append(ValidationError("error.inventory.product_inactive", field=F_PRODUCT, line=i))


def _text(value: Any, field_id: str, max_len: int, problems: list[ValidationError]) -> str:
    value = (value or "").strip()
    if len(value) > max_len:
        problems.append(ValidationError("error.too_long", field=field_id, max=max_len))
    return value


def _kernel_lines(lines: Sequence[Mapping[str, Any]], *, with_cost: bool) -> list[dict[str, Any]]:
    return [{"product_id": ln.get("product_id"), "ordered_qty": ln.get("quantity"),
             "unit_price": ln.get("unit_cost", 0) if with_cost else 0, "remarks": ln.get("remarks", "") or "",
             **({"warehouse_id": ln["warehouse_id"]} if ln.get("warehouse_id") else {})} for ln in lines]


def _set_locations(ctx: Context, doc: Any, lines: Sequence[Mapping[str, Any]], warehouse_id: int | None,
                   problems: list[ValidationError]) -> None:
    for ln, row in zip(doc.lines, lines, strict=True):
        loc = check_location(ctx, row.get("location_id"), row.get("warehouse_id") or warehouse_id, F_LOCATION,
                             problems, ln.line_no)
        if ln.location_id != loc:
            ln.location_id = loc


# --- 其他入库单 / 其他出库单 ---------------------------------------------------------------------------------

def _other_header(ctx: Context, t, *, warehouse_id, reason, account, department_id, project_id, remarks,
                  lines) -> tuple[dict[str, Any], list[ValidationError]]:
    problems: list[ValidationError] = []
    wid = check_warehouse(ctx, warehouse_id, F_WAREHOUSE, problems)
    acc = check_account(ctx, account, problems)
    check_products(ctx, lines or [], problems)
    header = {"warehouse_id": wid, "reason": _text(reason, F_REASON, 100, problems),
              "remarks": _text(remarks, "field.inv.remarks", 500, problems),
              "department_id": department_id or None, "project_id": project_id or None,
              ("counter_account" if t is D.OTHER_RECEIPT else "expense_account"): acc}
    return header, problems


def _create_other(ctx: Context, t, *, doc_date: dt.date, warehouse_id: int, lines: Sequence[Mapping[str, Any]],
                  reason: str = "", account: str | None = None, department_id: int | None = None,
                  project_id: int | None = None, remarks: str = "") -> int:
    header, problems = _other_header(ctx, t, warehouse_id=warehouse_id, reason=reason, account=account,
                                     department_id=department_id, project_id=project_id, remarks=remarks,
                                     lines=lines)
    raise_if(problems)
    doc = kernel.create_document(ctx, t, doc_date=doc_date, lines=_kernel_lines(
        lines, with_cost=t is D.OTHER_RECEIPT), **header)
    _set_locations(ctx, doc, lines, header["warehouse_id"], problems)
    raise_if(problems)
    ctx.session.flush()
    return doc.id


def _update_other(ctx: Context, t, *, doc_id: int, version: int, warehouse_id: int,
                  lines: Sequence[Mapping[str, Any]], reason: str = "", account: str | None = None,
                  department_id: int | None = None, project_id: int | None = None, remarks: str = "") -> int:
    doc = kernel.load_document(ctx, t, doc_id, version=version, lock=True)
    header, problems = _other_header(ctx, t, warehouse_id=warehouse_id, reason=reason, account=account,
                                     department_id=department_id, project_id=project_id, remarks=remarks,
                                     lines=lines)
    raise_if(problems)
    kernel.update_document(ctx, t, doc, version=version, lines=_kernel_lines(
        lines, with_cost=t is D.OTHER_RECEIPT), **header)
    _set_locations(ctx, doc, lines, header["warehouse_id"], problems)
    raise_if(problems)
    ctx.session.flush()
    return doc.version


def _post(ctx: Context, t, doc_id: int, version: int | None) -> PostResult:
    doc = kernel.load_document(ctx, t, doc_id, version=version, lock=True)
    kernel.post_document(ctx, t, doc)
    return post_result(ctx, doc)


def _reverse(ctx: Context, t, doc_id: int, version: int | None, doc_date: dt.date | None,
             comment: str) -> PostResult:
    doc = kernel.load_document(ctx, t, doc_id, version=version, lock=True)
    red = kernel.reverse_document(ctx, t, doc, doc_date=doc_date, comment=comment)
    return post_result(ctx, red)


def _cancel(ctx: Context, t, doc_id: int, version: int | None) -> str:
    doc = kernel.load_document(ctx, t, doc_id, version=version, lock=True)
    return kernel.transition(ctx, t, doc, "cancel")


@use_case("inventory.other_receipt.edit", zh="编辑其他入库单", en="Edit other receipts")
def create_other_receipt(ctx: Context, *, doc_date: dt.date, warehouse_id: int,
                         lines: Sequence[Mapping[str, Any]], reason: str = "", counter_account: str | None = None,
                         department_id: int | None = None, project_id: int | None = None,
                         remarks: str = "") -> int:
    """A draft 其他入库单. ``lines``: product_id, quantity, unit_cost (the cost the goods come in at), optional
    location_id / warehouse_id. ``counter_account`` (credited) defaults to the role ``other_receipt``."""
    return _create_other(ctx, D.OTHER_RECEIPT, doc_date=doc_date, warehouse_id=warehouse_id, lines=lines,
                         reason=reason, account=counter_account, department_id=department_id,
                         project_id=project_id, remarks=remarks)


@use_case("inventory.other_receipt.edit", zh="编辑其他入库单", en="Edit other receipts")
def update_other_receipt(ctx: Context, *, doc_id: int, version: int, warehouse_id: int,
                         lines: Sequence[Mapping[str, Any]], reason: str = "", counter_account: str | None = None,
                         department_id: int | None = None, project_id: int | None = None,
                         remarks: str = "") -> int:
    """Change a draft 其他入库单 (all its lines); returns the new version."""
    return _update_other(ctx, D.OTHER_RECEIPT, doc_id=doc_id, version=version, warehouse_id=warehouse_id,
                         lines=lines, reason=reason, account=counter_account, department_id=department_id,
                         project_id=project_id, remarks=remarks)


@use_case("inventory.other_receipt.edit", zh="编辑其他入库单", en="Edit other receipts")
def cancel_other_receipt(ctx: Context, *, doc_id: int, version: int | None = None) -> str:
    """作废 a draft."""
    return _cancel(ctx, D.OTHER_RECEIPT, doc_id, version)


@use_case("inventory.other_receipt.post", zh="过账其他入库单", en="Post other receipts")
def post_other_receipt(ctx: Context, *, doc_id: int, version: int | None = None) -> PostResult:
    """Receipt moves at the lines' unit costs + one voucher Dr stock / Cr the counter account."""
    return _post(ctx, D.OTHER_RECEIPT, doc_id, version)


@use_case("inventory.other_receipt.reverse", zh="红冲其他入库单", en="Reverse other receipts")
def reverse_other_receipt(ctx: Context, *, doc_id: int, version: int | None = None,
                          doc_date: dt.date | None = None, comment: str = "") -> PostResult:
    """红字: the receipt taken back out at the same costs (refused if that would make stock negative)."""
    return _reverse(ctx, D.OTHER_RECEIPT, doc_id, version, doc_date, comment)


@use_case("inventory.other_issue.edit", zh="编辑其他出库单", en="Edit other issues")
def create_other_issue(ctx: Context, *, doc_date: dt.date, warehouse_id: int, lines: Sequence[Mapping[str, Any]],
                       reason: str = "", expense_account: str | None = None, department_id: int | None = None,
                       project_id: int | None = None, remarks: str = "") -> int:
    """A draft 其他出库单 / 领用单. ``lines``: product_id, quantity, optional location_id / warehouse_id (valued at
    the issue cost when posted). ``expense_account`` (debited) defaults to the role ``other_issue``; the
    department and project go on its voucher line."""
    return _create_other(ctx, D.OTHER_ISSUE, doc_date=doc_date, warehouse_id=warehouse_id, lines=lines,
                         reason=reason, account=expense_account, department_id=department_id,
                         project_id=project_id, remarks=remarks)


@use_case("inventory.other_issue.edit", zh="编辑其他出库单", en="Edit other issues")
def update_other_issue(ctx: Context, *, doc_id: int, version: int, warehouse_id: int,
                       lines: Sequence[Mapping[str, Any]], reason: str = "", expense_account: str | None = None,
                       department_id: int | None = None, project_id: int | None = None, remarks: str = "") -> int:
    """Change a draft 其他出库单; returns the new version."""
    return _update_other(ctx, D.OTHER_ISSUE, doc_id=doc_id, version=version, warehouse_id=warehouse_id,
                         lines=lines, reason=reason, account=expense_account, department_id=department_id,
                         project_id=project_id, remarks=remarks)


@use_case("inventory.other_issue.edit", zh="编辑其他出库单", en="Edit other issues")
def cancel_other_issue(ctx: Context, *, doc_id: int, version: int | None = None) -> str:
    """作废 a draft."""
    return _cancel(ctx, D.OTHER_ISSUE, doc_id, version)


@use_case("inventory.other_issue.post", zh="过账其他出库单", en="Post other issues")
def post_other_issue(ctx: Context, *, doc_id: int, version: int | None = None) -> PostResult:
    """Issue moves at the issue cost + one voucher Dr the expense account / Cr stock."""
    return _post(ctx, D.OTHER_ISSUE, doc_id, version)


@use_case("inventory.other_issue.reverse", zh="红冲其他出库单", en="Reverse other issues")
def reverse_other_issue(ctx: Context, *, doc_id: int, version: int | None = None,
                        doc_date: dt.date | None = None, comment: str = "") -> PostResult:
    """红字: the goods come back at the cost they left at; the voucher is negated."""
    return _reverse(ctx, D.OTHER_ISSUE, doc_id, version, doc_date, comment)


# --- 调拨单 -------------------------------------------------------------------------------------------------

def _transfer_header(ctx: Context, *, from_warehouse_id, from_location_id, to_warehouse_id, to_location_id,
                     remarks, lines) -> dict[str, Any]:
    problems: list[ValidationError] = []
    src = check_warehouse(ctx, from_warehouse_id, F_WAREHOUSE, problems)
    dst = check_warehouse(ctx, to_warehouse_id, F_TO_WAREHOUSE, problems)
    src_loc = check_location(ctx, from_location_id, src, F_LOCATION, problems)
    dst_loc = check_location(ctx, to_location_id, dst, F_TO_LOCATION, problems)
    if src is not None and dst is not None and src == dst and src_loc == dst_loc:
        problems.append(ValidationError("error.inv.transfer_same_place", field=F_TO_WAREHOUSE))
    check_products(ctx, lines or [], problems)
    header = {"warehouse_id": src, "from_location_id": src_loc, "to_warehouse_id": dst, "to_location_id": dst_loc,
              "remarks": _text(remarks, "field.inv.remarks", 500, problems)}
    raise_if(problems)
    return header


@use_case("inventory.transfer.edit", zh="编辑调拨单", en="Edit stock transfers")
def create_transfer(ctx: Context, *, doc_date: dt.date, from_warehouse_id: int, to_warehouse_id: int,
                    lines: Sequence[Mapping[str, Any]], from_location_id: int | None = None,
                    to_location_id: int | None = None, remarks: str = "") -> int:
    """A draft 调拨单 between two warehouses, or two locations of one warehouse. ``lines``: product_id, quantity."""
    header = _transfer_header(ctx, from_warehouse_id=from_warehouse_id, from_location_id=from_location_id,
                              to_warehouse_id=to_warehouse_id, to_location_id=to_location_id, remarks=remarks,
                              lines=lines)
    doc = kernel.create_document(ctx, D.STOCK_TRANSFER, doc_date=doc_date,
                                 lines=_kernel_lines(lines, with_cost=False), **header)
    return doc.id


@use_case("inventory.transfer.edit", zh="编辑调拨单", en="Edit stock transfers")
def update_transfer(ctx: Context, *, doc_id: int, version: int, from_warehouse_id: int, to_warehouse_id: int,
                    lines: Sequence[Mapping[str, Any]], from_location_id: int | None = None,
                    to_location_id: int | None = None, remarks: str = "") -> int:
    """Change a draft 调拨单; returns the new version."""
    doc = kernel.load_document(ctx, D.STOCK_TRANSFER, doc_id, version=version, lock=True)
    header = _transfer_header(ctx, from_warehouse_id=from_warehouse_id, from_location_id=from_location_id,
                              to_warehouse_id=to_warehouse_id, to_location_id=to_location_id, remarks=remarks,
                              lines=lines)
    kernel.update_document(ctx, D.STOCK_TRANSFER, doc, version=version,
                           lines=_kernel_lines(lines, with_cost=False), **header)
    return doc.version


@use_case("inventory.transfer.edit", zh="编辑调拨单", en="Edit stock transfers")
def cancel_transfer(ctx: Context, *, doc_id: int, version: int | None = None) -> str:
    """作废 a draft."""
    return _cancel(ctx, D.STOCK_TRANSFER, doc_id, version)


@use_case("inventory.transfer.post", zh="过账调拨单", en="Post stock transfers")
def post_transfer(ctx: Context, *, doc_id: int, version: int | None = None) -> PostResult:
    """transfer_out + transfer_in at the issue cost of the source warehouse; a voucher only when the two
    warehouses' stock accounts differ."""
    return _post(ctx, D.STOCK_TRANSFER, doc_id, version)


@use_case("inventory.transfer.reverse", zh="红冲调拨单", en="Reverse stock transfers")
def reverse_transfer(ctx: Context, *, doc_id: int, version: int | None = None, doc_date: dt.date | None = None,
                     comment: str = "") -> PostResult:
    """红字: the goods go back at the same cost."""
    return _reverse(ctx, D.STOCK_TRANSFER, doc_id, version, doc_date, comment)


# --- 库存参数 -----------------------------------------------------------------------------------------------

@use_case("inventory.setting.edit", zh="修改库存参数", en="Change inventory settings")
def set_inventory_setting(ctx: Context, *, allow_negative_stock: bool, version: int | None = None) -> int:
    """是否允许负库存: off (default) refuses every outbound move that would take stock below zero; on posts it
    with a warning. Returns the setting's version."""
    from erp_core.inventory.models import InventorySetting

    company_id = _company(ctx)
    row = ctx.session.get(InventorySetting, company_id)
    if row is None:
        row = InventorySetting(company_id=company_id, allow_negative_stock=False)
        ctx.session.add(row)
        ctx.session.flush()
    ctx.check_version(row, version)
    ctx.diff(row, allow_negative_stock=bool(allow_negative_stock))
    ctx.session.flush()
    ctx.audit("inventory_setting", company_id)
    return row.version


