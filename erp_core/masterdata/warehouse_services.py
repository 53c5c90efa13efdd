"""Warehouses (仓库) and storage locations (库位): create, edit (version-checked), deactivate, reactivate.
Warehouse codes are unique within the company, location codes within their warehouse."""

from __future__ import annotations

from sqlalchemy import select

from erp_core.kernel.errors import Conflict
from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation
from erp_core.settings.common import Problems, clean_code, clean_text, get_owned, require_company, save
from erp_core.usecase import Context, use_case

FW = "field.settings.warehouse."
FL = "field.settings.location."


def _warehouse_values(ctx: Context, p: Problems, *, code, name, address, keeper, self_id: int | None) -> dict:
    code_v = clean_code(p, code, FW + "code", max_len=40)
    if code_v:
        stmt = select(Warehouse.id).where(Warehouse.company_id == ctx.company_id, Warehouse.code == code_v)
        if self_id is not None:
            stmt = stmt.where(Warehouse.id != self_id)
        if ctx.session.execute(stmt).first():
            p.add("error.settings.code_taken", FW + "code", code=code_v)
    return {"code": code_v, "name": clean_text(p, name, FW + "name", max_len=200),
            "address": clean_text(p, address, FW + "address", max_len=300, required=False,
                                  multiline=True),
            "keeper": clean_text(p, keeper, FW + "keeper", max_len=100, required=False)}


@use_case("masterdata.warehouse.create", zh="新建仓库", en="Create warehouse")
def create_warehouse(ctx: Context, *, code: str, name: str, address: str | None = None,
                     keeper: str | None = None) -> int:
    company_id = require_company(ctx)
    p = Problems()
    v = _warehouse_values(ctx, p, code=code, name=name, address=address, keeper=keeper, self_id=None)
    p.raise_any()
    wh = Warehouse(company_id=company_id, **v)
    save(ctx, wh)
    ctx.audit("warehouse", wh.id, **v)
    return wh.id


@use_case("masterdata.warehouse.edit", zh="修改仓库", en="Edit warehouse")
def edit_warehouse(ctx: Context, *, warehouse_id: int, version: int, code: str, name: str,
                   address: str | None = None, keeper: str | None = None) -> None:
    wh = get_owned(ctx.session, Warehouse, warehouse_id, require_company(ctx))
    ctx.check_version(wh, version)
    p = Problems()
    v = _warehouse_values(ctx, p, code=code, name=name, address=address, keeper=keeper, self_id=wh.id)
    p.raise_any()
    ctx.diff(wh, **v)
    save(ctx)
    ctx.audit("warehouse", wh.id)


@use_case("masterdata.warehouse.deactivate", zh="停用仓库", en="Deactivate warehouse")
def deactivate_warehouse(ctx: Context, *, warehouse_id: int, version: int) -> None:
    wh = get_owned(ctx.session, Warehouse, warehouse_id, require_company(ctx))
    ctx.check_version(wh, version)
    ctx.diff(wh, active=False)
    ctx.audit("warehouse", wh.id)


@use_case("masterdata.warehouse.activate", zh="启用仓库", en="Reactivate warehouse")
def activate_warehouse(ctx: Context, *, warehouse_id: int, version: int) -> None:
    wh = get_owned(ctx.session, Warehouse, warehouse_id, require_company(ctx))
    ctx.check_version(wh, version)
    ctx.diff(wh, active=True)
    ctx.audit("warehouse", wh.id)


def _location_values(ctx: Context, p: Problems, *, warehouse_id: int, code, name, self_id: int | None) -> dict:
    code_v = clean_code(p, code, FL + "code", max_len=40)
    if code_v:
        stmt = select(WarehouseLocation.id).where(WarehouseLocation.warehouse_id == warehouse_id,
                                                  WarehouseLocation.code == code_v)
        if self_id is not None:
            stmt = stmt.where(WarehouseLocation.id != self_id)
        if ctx.session.execute(stmt).first():
            p.add("error.settings.code_taken", FL + "code", code=code_v)
    return {"code": code_v, "name": clean_text(p, name, FL + "name", max_len=200)}


@use_case("masterdata.warehouse.edit_location", zh="维护库位", en="Maintain storage locations")
def create_location(ctx: Context, *, warehouse_id: int, code: str, name: str) -> int:
    company_id = require_company(ctx)
    wh = get_owned(ctx.session, Warehouse, warehouse_id, company_id)
    if not wh.active:
        raise Conflict("error.settings.warehouse.inactive", code=wh.code)
    p = Problems()
    v = _location_values(ctx, p, warehouse_id=wh.id, code=code, name=name, self_id=None)
    p.raise_any()
    loc = WarehouseLocation(company_id=company_id, warehouse_id=wh.id, **v)
    save(ctx, loc)
    ctx.audit("warehouse_location", loc.id, warehouse=wh.code, **v)
    return loc.id


@use_case("masterdata.warehouse.edit_location", zh="维护库位", en="Maintain storage locations")
def edit_location(ctx: Context, *, location_id: int, version: int, code: str, name: str,
                  active: bool = True) -> None:
    loc = get_owned(ctx.session, WarehouseLocation, location_id, require_company(ctx))
    ctx.check_version(loc, version)
    p = Problems()
    v = _location_values(ctx, p, warehouse_id=loc.warehouse_id, code=code, name=name, self_id=loc.id)
    p.raise_any()
    ctx.diff(loc, active=bool(active), **v)
    save(ctx)
    ctx.audit("warehouse_location", loc.id)
