"""Read side of warehouses and storage locations."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from erp_core.masterdata.models_employees import Employee
from erp_core.masterdata.models_warehouse import Warehouse, WarehouseLocation
from erp_core.security.scope import company_rows
from erp_core.settings.common import Page, get_owned, like_pattern, paged, require_company
from erp_core.usecase import Context, query

VIEW = ("masterdata.warehouse.view", "查看仓库", "View warehouses")


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_warehouses(ctx: Context, *, search: str = "", active: bool | None = None, sort: str | None = None,
                    descending: bool = False, page: int = 1, page_size: int = 50) -> Page:
    """Warehouses with their number of locations, filtered by text (code, name, address, keeper)."""
    require_company(ctx)
    n_loc = (select(func.count()).where(WarehouseLocation.warehouse_id == Warehouse.id)
             .correlate(Warehouse).scalar_subquery().label("locations"))
    stmt = company_rows(select(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.address, Warehouse.keeper,
                         Warehouse.active, Warehouse.version, n_loc), ctx, company_col=Warehouse.company_id)
    if search.strip():
        pat = like_pattern(search)
        stmt = stmt.where(or_(*[c.ilike(pat, escape="\\") for c in (Warehouse.code, Warehouse.name,
                                                                     Warehouse.address, Warehouse.keeper)]))
    if active is not None:
        stmt = stmt.where(Warehouse.active.is_(active))
    sorts = {"code": Warehouse.code, "name": Warehouse.name, "keeper": Warehouse.keeper, "active": Warehouse.active}
    rows, total = paged(ctx.session, stmt, sort_columns=sorts, sort=sort, descending=descending, page=page,
                        page_size=page_size, default_sort="code")
    return Page([dict(r._mapping) for r in rows], total, page, page_size)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def list_locations(ctx: Context, *, warehouse_id: int, include_inactive: bool = True) -> list[dict]:
    """Storage locations of one warehouse, by code."""
    get_owned(ctx.session, Warehouse, warehouse_id, require_company(ctx))
    stmt = company_rows(select(WarehouseLocation.id, WarehouseLocation.code, WarehouseLocation.name,
                         WarehouseLocation.active, WarehouseLocation.version), ctx,
                  company_col=WarehouseLocation.company_id).where(WarehouseLocation.warehouse_id == warehouse_id)
    if not include_inactive:
        stmt = stmt.where(WarehouseLocation.active.is_(True))
    return [dict(r._mapping) for r in ctx.session.execute(stmt.order_by(WarehouseLocation.code))]


@query(VIEW[0], zh=VIEW[1], en=VIEW[2])
def keeper_choices(ctx: Context) -> list[dict]:
    """People to pick as a warehouse's keeper (仓管员): the company's active employees, {"code", "name"}, by code.
    Company-wide like the warehouses themselves (a keeper is reference data, not a department's record). The
    keeper column keeps the person's name, so a name typed before the employee existed stays valid."""
    stmt = company_rows(select(Employee.code, Employee.name), ctx, company_col=Employee.company_id)
    stmt = stmt.where(Employee.active.is_(True)).order_by(Employee.code)
    return [{"code": code, "name": name} for code, name in ctx.session.execute(stmt)]
