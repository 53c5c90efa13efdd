"""Reads of customers and suppliers (row scope: department, or own as salesperson / buyer)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from erp_core.masterdata import records as r
from erp_core.masterdata.models_partners import PartnerAddress, PartnerContact
from erp_core.masterdata.partners import CUSTOMER, SUPPLIER, find_duplicates
from erp_core.usecase import Context, query


def _detail(ctx: Context, kind: r.Kind, partner_id: int) -> dict[str, Any]:
    out = r.detail(kind, ctx, partner_id)
    col = getattr(PartnerContact, f"{kind.name}_id")
    out["contacts"] = [{"id": c.id, "name": c.name, "position": c.position, "phone": c.phone, "email": c.email}
                       for c in ctx.session.execute(select(PartnerContact).where(col == partner_id)
                                                    .order_by(PartnerContact.id)).scalars()]
    col = getattr(PartnerAddress, f"{kind.name}_id")
    out["addresses"] = [{"id": a.id, "kind": a.kind, "address": a.address, "receiver": a.receiver,
                         "phone": a.phone}
                        for a in ctx.session.execute(select(PartnerAddress).where(col == partner_id)
                                                     .order_by(PartnerAddress.id)).scalars()]
    return out


def _duplicates(ctx: Context, kind: r.Kind, values: dict[str, Any], except_id: int | None):
    """``values``: name, tax_id, phone, and optionally ``phones`` (more numbers, e.g. the record's contacts).
    With ``except_id`` and no ``phones``, that record's own contacts' phones are compared too."""
    attrs, _problems = r.clean(kind, {k: v for k, v in values.items() if k in ("name", "tax_id", "phone")},
                               r.Lookups(ctx.session, ctx.company_id), creating=False)
    phones = list(values.get("phones") or [])
    if except_id is not None and "phones" not in values:
        col = getattr(PartnerContact, f"{kind.name}_id")
        phones = list(ctx.session.execute(select(PartnerContact.phone).where(
            col == except_id, PartnerContact.company_id == ctx.company_id)).scalars())
    return find_duplicates(ctx.session, ctx.company_id, attrs, except_id, kind.model, phones=phones,
                           locale=ctx.actor.locale)


@query("masterdata.customer.view", zh="查看客户", en="View customers")
def list_customers(ctx: Context, **kwargs: Any) -> r.Page:
    """search, active, filters {column: value}, custom_filters {key: value}, sort, descending, page, page_size."""
    return r.list_records(CUSTOMER, ctx, **kwargs)


@query("masterdata.customer.view", zh="查看客户", en="View customers")
def get_customer(ctx: Context, *, customer_id: int) -> dict[str, Any]:
    return _detail(ctx, CUSTOMER, customer_id)


@query("masterdata.customer.view", zh="查看客户", en="View customers")
def customer_duplicates(ctx: Context, *, values: dict[str, Any], except_id: int | None = None) -> list[dict]:
    """Customers that look like ``values`` (name / tax_id / phone), whatever the actor's row scope: a duplicate
    hidden in another department is still a duplicate (only code and name are shown)."""
    return _duplicates(ctx, CUSTOMER, values, except_id)


@query("masterdata.customer.view", zh="查看客户", en="View customers")
def customer_references(ctx: Context, *, ref: str) -> list[dict[str, Any]]:
    """Departments (ref="department") or salespeople (ref="user") to pick on the customers page, code + name,
    inside the actor's row scope (records.reference_choices)."""
    return r.reference_choices(CUSTOMER, ctx, ref)


@query("masterdata.supplier.view", zh="查看供应商", en="View suppliers")
def supplier_references(ctx: Context, *, ref: str) -> list[dict[str, Any]]:
    return r.reference_choices(SUPPLIER, ctx, ref)


@query("masterdata.supplier.view", zh="查看供应商", en="View suppliers")
def list_suppliers(ctx: Context, **kwargs: Any) -> r.Page:
    return r.list_records(SUPPLIER, ctx, **kwargs)


@query("masterdata.supplier.view", zh="查看供应商", en="View suppliers")
def get_supplier(ctx: Context, *, supplier_id: int) -> dict[str, Any]:
    return _detail(ctx, SUPPLIER, supplier_id)


@query("masterdata.supplier.view", zh="查看供应商", en="View suppliers")
def supplier_duplicates(ctx: Context, *, values: dict[str, Any], except_id: int | None = None) -> list[dict]:
    return _duplicates(ctx, SUPPLIER, values, except_id)
