"""Use cases for customers (客户) and suppliers (供应商), their contacts and addresses.

Create, an edit that changes the name, tax ID or phone, and a new contact's phone warn about look-alike partners
(partners.find_duplicates) with DuplicateWarning and proceed only when called again with
``confirm_duplicates=True``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.io import parsers
from erp_core.io.parsers import CellError
from erp_core.kernel.errors import NotFound
from erp_core.masterdata import records as r
from erp_core.masterdata.models_partners import PartnerAddress, PartnerContact
from erp_core.masterdata.partners import CUSTOMER, SUPPLIER, duplicate_checker, find_duplicates
from erp_core.usecase import Context, use_case

ADDRESS_KINDS = ("billing", "shipping")


@use_case("masterdata.customer.create", zh="新建客户", en="Create customer")
def create_customer(ctx: Context, *, values: dict[str, Any], custom: dict[str, Any] | None = None,
                    confirm_duplicates: bool = False) -> int:
    return r.create(CUSTOMER, ctx, values, custom, confirm_duplicates=confirm_duplicates,
                    duplicate_check=duplicate_checker(CUSTOMER.model))


@use_case("masterdata.customer.edit", zh="修改客户", en="Edit customer")
def edit_customer(ctx: Context, *, customer_id: int, version: int | None, values: dict[str, Any],
                  custom: dict[str, Any] | None = None, confirm_duplicates: bool = False) -> int | None:
    """Edit a customer. A new credit limit (信用额度) waits for a second person's approval when the company
    requires it (erp_core/changes, off by default): the rest of the edit applies now, and the pending change's
    id is returned (None: everything applied)."""
    from erp_core.changes.services import hold_customer_credit

    values, held = hold_customer_credit(ctx, customer_id, version, values)
    r.edit(CUSTOMER, ctx, customer_id, version, values, custom, confirm_duplicates=confirm_duplicates,
           duplicate_check=duplicate_checker(CUSTOMER.model))
    return held


@use_case("masterdata.customer.deactivate", zh="停用客户", en="Deactivate customer")
def set_customer_active(ctx: Context, *, customer_id: int, version: int | None, active: bool = False) -> None:
    r.set_active(CUSTOMER, ctx, customer_id, version, active)


@use_case("masterdata.supplier.create", zh="新建供应商", en="Create supplier")
def create_supplier(ctx: Context, *, values: dict[str, Any], custom: dict[str, Any] | None = None,
                    confirm_duplicates: bool = False) -> int:
    return r.create(SUPPLIER, ctx, values, custom, confirm_duplicates=confirm_duplicates,
                    duplicate_check=duplicate_checker(SUPPLIER.model))


@use_case("masterdata.supplier.edit", zh="修改供应商", en="Edit supplier")
def edit_supplier(ctx: Context, *, supplier_id: int, version: int | None, values: dict[str, Any],
                  custom: dict[str, Any] | None = None, confirm_duplicates: bool = False) -> None:
    r.edit(SUPPLIER, ctx, supplier_id, version, values, custom, confirm_duplicates=confirm_duplicates,
           duplicate_check=duplicate_checker(SUPPLIER.model))


@use_case("masterdata.supplier.deactivate", zh="停用供应商", en="Deactivate supplier")
def set_supplier_active(ctx: Context, *, supplier_id: int, version: int | None, active: bool = False) -> None:
    r.set_active(SUPPLIER, ctx, supplier_id, version, active)


# --- contacts and addresses (part of editing the partner) ------------------------------------------------------

def _partner(ctx: Context, kind: r.Kind, partner_id: int):
    obj = r.load(kind, ctx, partner_id)
    r.check_touch(kind, ctx, obj)
    return obj


def _clean(spec: list[tuple[str, str, parsers.Parser, bool]], values: dict[str, Any]) -> dict[str, Any]:
    out, problems = {}, []
    for key, field, parse, required in spec:
        try:
            v = parse(values.get(key))
        except CellError as err:
            problems.append((key, field, values.get(key), err))
            continue
        if v is None and required:
            problems.append((key, field, values.get(key), CellError("error.required")))
        out[key] = v
    if problems:
        raise r.as_validation_errors(problems)
    return out


_CONTACT = [("name", "field.masterdata.contact_name", parsers.text(100), True),
            ("position", "field.masterdata.position", parsers.text(100), False),
            ("phone", "field.masterdata.phone", parsers.phone(), False),
            ("email", "field.masterdata.email", parsers.email(), False)]
_ADDRESS = [("kind", "field.masterdata.address_kind", parsers.choice(ADDRESS_KINDS), False),
            ("address", "field.masterdata.address", parsers.text(300, multiline=True), True),
            ("receiver", "field.masterdata.receiver", parsers.text(100), False),
            ("phone", "field.masterdata.phone", parsers.phone(), False)]


def _add_child(ctx: Context, kind: r.Kind, partner_id: int, model: type, spec, values,
               confirm_duplicates: bool = True) -> int:
    p = _partner(ctx, kind, partner_id)
    clean = _clean(spec, values)
    if model is PartnerAddress and not clean.get("kind"):
        clean["kind"] = "shipping"
    if model is PartnerContact and clean.get("phone") and not confirm_duplicates:
        _warn_new_likeness(ctx, kind, p, clean["phone"])
    obj = model(company_id=ctx.company_id, **{f"{kind.name}_id": p.id}, **clean)
    ctx.session.add(obj)
    ctx.session.flush()
    ctx.audit(kind.name, p.id, **{f"added_{model.__tablename__}": obj.id})
    return obj.id


def _warn_new_likeness(ctx: Context, kind: r.Kind, partner, phone: str) -> None:
    """DuplicateWarning when the new contact's phone makes ``partner`` look like another record in a way it did
    not before (another partner's phone, main or contact's)."""
    owner = getattr(PartnerContact, f"{kind.name}_id")
    phones = list(ctx.session.execute(select(PartnerContact.phone).where(owner == partner.id)).scalars())
    identity = {k: getattr(partner, k, None) for k in r.DUPLICATE_FIELDS}

    def found(extra: list[str | None], locale: str | None = None) -> list[dict[str, Any]]:
        return find_duplicates(ctx.session, ctx.company_id, identity, partner.id, kind.model, phones=extra,
                               locale=locale)

    matches = r.new_likenesses(found(phones), found([*phones, phone], ctx.actor.locale))
    if matches:
        raise r.DuplicateWarning(matches)


def _remove_child(ctx: Context, kind: r.Kind, partner_id: int, model: type, child_id: int) -> None:
    p = _partner(ctx, kind, partner_id)
    obj = ctx.session.get(model, child_id)
    if obj is None or getattr(obj, f"{kind.name}_id") != p.id:
        raise NotFound()
    ctx.session.delete(obj)
    ctx.audit(kind.name, p.id, **{f"removed_{model.__tablename__}": child_id})


@use_case("masterdata.customer.edit", zh="修改客户", en="Edit customer")
def add_customer_contact(ctx: Context, *, customer_id: int, values: dict[str, Any],
                         confirm_duplicates: bool = False) -> int:
    return _add_child(ctx, CUSTOMER, customer_id, PartnerContact, _CONTACT, values, confirm_duplicates)


@use_case("masterdata.customer.edit", zh="修改客户", en="Edit customer")
def remove_customer_contact(ctx: Context, *, customer_id: int, contact_id: int) -> None:
    _remove_child(ctx, CUSTOMER, customer_id, PartnerContact, contact_id)


@use_case("masterdata.customer.edit", zh="修改客户", en="Edit customer")
def add_customer_address(ctx: Context, *, customer_id: int, values: dict[str, Any]) -> int:
    return _add_child(ctx, CUSTOMER, customer_id, PartnerAddress, _ADDRESS, values)


@use_case("masterdata.customer.edit", zh="修改客户", en="Edit customer")
def remove_customer_address(ctx: Context, *, customer_id: int, address_id: int) -> None:
    _remove_child(ctx, CUSTOMER, customer_id, PartnerAddress, address_id)


@use_case("masterdata.supplier.edit", zh="修改供应商", en="Edit supplier")
def add_supplier_contact(ctx: Context, *, supplier_id: int, values: dict[str, Any],
                         confirm_duplicates: bool = False) -> int:
    return _add_child(ctx, SUPPLIER, supplier_id, PartnerContact, _CONTACT, values, confirm_duplicates)


@use_case("masterdata.supplier.edit", zh="修改供应商", en="Edit supplier")
def remove_supplier_contact(ctx: Context, *, supplier_id: int, contact_id: int) -> None:
    _remove_child(ctx, SUPPLIER, supplier_id, PartnerContact, contact_id)


@use_case("masterdata.supplier.edit", zh="修改供应商", en="Edit supplier")
def add_supplier_address(ctx: Context, *, supplier_id: int, values: dict[str, Any]) -> int:
    return _add_child(ctx, SUPPLIER, supplier_id, PartnerAddress, _ADDRESS, values)


@use_case("masterdata.supplier.edit", zh="修改供应商", en="Edit supplier")
def remove_supplier_address(ctx: Context, *, supplier_id: int, address_id: int) -> None:
    _remove_child(ctx, SUPPLIER, supplier_id, PartnerAddress, address_id)
