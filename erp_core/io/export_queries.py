"""Export of every master record list to CSV or XLSX (permission masterdata.<object>.export), and the import
templates (permission masterdata.<object>.import). Same columns as the import, custom fields included (retired
ones too, so their kept values can still be taken out); every text cell is formula-neutralized (io/export.py)."""

from __future__ import annotations

from typing import Any

from erp_core.io import importer
from erp_core.io.org_kinds import EXAMPLES as ORG_EXAMPLES
from erp_core.io.tabular import EXAMPLES, SheetFile, build
from erp_core.masterdata import custom_fields as cf
from erp_core.masterdata import records as r
from erp_core.usecase import Context, query

FORMATS = ("csv", "xlsx")


def _export(name: str, ctx: Context, fmt: str, locale: str | None, list_args: dict[str, Any]) -> SheetFile:
    kind = importer.kind_of(name)
    defs = cf.definitions(ctx.session, ctx.company_id, kind.custom_entity, include_retired=True) \
        if kind.custom_entity else []
    page = r.list_records(kind, ctx, page_size=0, **list_args)
    return build(kind, defs, page.rows, fmt if fmt in FORMATS else "csv", locale or ctx.actor.locale, name)


def _template(name: str, ctx: Context, fmt: str, locale: str | None) -> SheetFile:
    kind = importer.kind_of(name)
    defs = cf.definitions(ctx.session, ctx.company_id, kind.custom_entity) if kind.custom_entity else []
    example = dict({**EXAMPLES, **ORG_EXAMPLES}[kind.name])
    if kind.extra.get("example"):  # values from the company's own data (a location's warehouse code)
        example.update(kind.extra["example"](ctx))
    example["custom"] = {d.key: d.default_value for d in defs if d.default_value}
    return build(kind, defs, [example], fmt if fmt in FORMATS else "csv", locale or ctx.actor.locale,
                 f"{name}_template")


@query("masterdata.customer.export", zh="导出客户", en="Export customers")
def export_customers(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **list_args: Any) -> SheetFile:
    """The customer list (same search/filters as list_customers, no paging) as a CSV or XLSX file."""
    return _export("customers", ctx, fmt, locale, list_args)


@query("masterdata.supplier.export", zh="导出供应商", en="Export suppliers")
def export_suppliers(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **list_args: Any) -> SheetFile:
    return _export("suppliers", ctx, fmt, locale, list_args)


@query("masterdata.product.export", zh="导出商品", en="Export products")
def export_products(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **list_args: Any) -> SheetFile:
    return _export("products", ctx, fmt, locale, list_args)


@query("masterdata.employee.export", zh="导出职员", en="Export employees")
def export_employees(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **list_args: Any) -> SheetFile:
    return _export("employees", ctx, fmt, locale, list_args)


@query("masterdata.category.export", zh="导出商品分类", en="Export product categories")
def export_categories(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **list_args: Any) -> SheetFile:
    return _export("categories", ctx, fmt, locale, list_args)


@query("masterdata.customer.import", zh="导入客户", en="Import customers")
def customer_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("customers", ctx, fmt, locale)


@query("masterdata.supplier.import", zh="导入供应商", en="Import suppliers")
def supplier_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("suppliers", ctx, fmt, locale)


@query("masterdata.product.import", zh="导入商品", en="Import products")
def product_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("products", ctx, fmt, locale)


@query("masterdata.employee.import", zh="导入职员", en="Import employees")
def employee_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("employees", ctx, fmt, locale)


@query("masterdata.category.import", zh="导入商品分类", en="Import product categories")
def category_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("categories", ctx, fmt, locale)



@query("masterdata.department.export", zh="导出部门", en="Export departments")
def export_departments(ctx: Context, *, fmt: str = "csv", locale: str | None = None,
                       **list_args: Any) -> SheetFile:
    return _export("departments", ctx, fmt, locale, list_args)


@query("masterdata.project.export", zh="导出项目", en="Export projects")
def export_projects(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **list_args: Any) -> SheetFile:
    return _export("projects", ctx, fmt, locale, list_args)


@query("masterdata.warehouse.export", zh="导出仓库", en="Export warehouses")
def export_warehouses(ctx: Context, *, fmt: str = "csv", locale: str | None = None,
                      **list_args: Any) -> SheetFile:
    return _export("warehouses", ctx, fmt, locale, list_args)


@query("masterdata.department.import", zh="导入部门", en="Import departments")
def department_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("departments", ctx, fmt, locale)


@query("masterdata.project.import", zh="导入项目", en="Import projects")
def project_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("projects", ctx, fmt, locale)


@query("masterdata.warehouse.import", zh="导入仓库", en="Import warehouses")
def warehouse_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("warehouses", ctx, fmt, locale)


@query("masterdata.warehouse.export_location", zh="导出库位", en="Export storage locations")
def export_locations(ctx: Context, *, fmt: str = "csv", locale: str | None = None,
                     **list_args: Any) -> SheetFile:
    """Storage locations of every warehouse (warehouse code, location code, name, active), by warehouse."""
    list_args.setdefault("sort", "warehouse")
    return _export("locations", ctx, fmt, locale, list_args)


@query("masterdata.warehouse.import_location", zh="导入库位", en="Import storage locations")
def location_template(ctx: Context, *, fmt: str = "xlsx", locale: str | None = None) -> SheetFile:
    return _template("locations", ctx, fmt, locale)


EXPORTS = {"customers": export_customers, "suppliers": export_suppliers, "products": export_products,
           "employees": export_employees, "categories": export_categories,
           "departments": export_departments, "projects": export_projects, "warehouses": export_warehouses,
           "locations": export_locations}
TEMPLATES = {"customers": customer_template, "suppliers": supplier_template, "products": product_template,
             "employees": employee_template, "categories": category_template,
             "departments": department_template, "projects": project_template, "warehouses": warehouse_template,
             "locations": location_template}
