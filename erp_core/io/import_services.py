"""Import use cases, one pair per record kind (permission masterdata.<object>.import): the dry run reads and
reports, the commit writes everything in one transaction with one audit record of counts.

The Table and the progress callback are positional (see importer.py: kept out of the audit parameters)."""

from __future__ import annotations

from erp_core.io import importer
from erp_core.io.importer import ImportReport, Progress, Table
from erp_core.usecase import Context, query, use_case


def _dry(name: str, ctx: Context, table: Table, progress: Progress | None) -> ImportReport:
    return importer.dry_run(importer.kind_of(name), ctx, table, progress)


def _commit(name: str, ctx: Context, table: Table, progress: Progress | None, confirm: bool) -> ImportReport:
    return importer.commit(importer.kind_of(name), ctx, table, progress, confirm_duplicates=confirm)


@query("masterdata.customer.import", zh="导入客户", en="Import customers")
def dry_run_customers(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("customers", ctx, table, progress)


@use_case("masterdata.customer.import", zh="导入客户", en="Import customers")
def import_customers(ctx: Context, table: Table, progress: Progress | None = None, *,
                     confirm_duplicates: bool = False) -> ImportReport:
    return _commit("customers", ctx, table, progress, confirm_duplicates)


@query("masterdata.supplier.import", zh="导入供应商", en="Import suppliers")
def dry_run_suppliers(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("suppliers", ctx, table, progress)


@use_case("masterdata.supplier.import", zh="导入供应商", en="Import suppliers")
def import_suppliers(ctx: Context, table: Table, progress: Progress | None = None, *,
                     confirm_duplicates: bool = False) -> ImportReport:
    return _commit("suppliers", ctx, table, progress, confirm_duplicates)


@query("masterdata.product.import", zh="导入商品", en="Import products")
def dry_run_products(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("products", ctx, table, progress)


@use_case("masterdata.product.import", zh="导入商品", en="Import products")
def import_products(ctx: Context, table: Table, progress: Progress | None = None, *,
                    confirm_duplicates: bool = False) -> ImportReport:
    return _commit("products", ctx, table, progress, confirm_duplicates)


@query("masterdata.employee.import", zh="导入职员", en="Import employees")
def dry_run_employees(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("employees", ctx, table, progress)


@use_case("masterdata.employee.import", zh="导入职员", en="Import employees")
def import_employees(ctx: Context, table: Table, progress: Progress | None = None, *,
                     confirm_duplicates: bool = False) -> ImportReport:
    return _commit("employees", ctx, table, progress, confirm_duplicates)


@query("masterdata.category.import", zh="导入商品分类", en="Import product categories")
def dry_run_categories(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("categories", ctx, table, progress)


@use_case("masterdata.category.import", zh="导入商品分类", en="Import product categories")
def import_categories(ctx: Context, table: Table, progress: Progress | None = None, *,
                      confirm_duplicates: bool = False) -> ImportReport:
    return _commit("categories", ctx, table, progress, confirm_duplicates)


@query("masterdata.department.import", zh="导入部门", en="Import departments")
def dry_run_departments(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("departments", ctx, table, progress)


@use_case("masterdata.department.import", zh="导入部门", en="Import departments")
def import_departments(ctx: Context, table: Table, progress: Progress | None = None, *,
                       confirm_duplicates: bool = False) -> ImportReport:
    return _commit("departments", ctx, table, progress, confirm_duplicates)


@query("masterdata.project.import", zh="导入项目", en="Import projects")
def dry_run_projects(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("projects", ctx, table, progress)


@use_case("masterdata.project.import", zh="导入项目", en="Import projects")
def import_projects(ctx: Context, table: Table, progress: Progress | None = None, *,
                    confirm_duplicates: bool = False) -> ImportReport:
    return _commit("projects", ctx, table, progress, confirm_duplicates)


@query("masterdata.warehouse.import", zh="导入仓库", en="Import warehouses")
def dry_run_warehouses(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    return _dry("warehouses", ctx, table, progress)


@use_case("masterdata.warehouse.import", zh="导入仓库", en="Import warehouses")
def import_warehouses(ctx: Context, table: Table, progress: Progress | None = None, *,
                      confirm_duplicates: bool = False) -> ImportReport:
    return _commit("warehouses", ctx, table, progress, confirm_duplicates)


@query("masterdata.warehouse.import_location", zh="导入库位", en="Import storage locations")
def dry_run_locations(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    """Storage locations keyed by (warehouse code, location code)."""
    return _dry("locations", ctx, table, progress)


@use_case("masterdata.warehouse.import_location", zh="导入库位", en="Import storage locations")
def import_locations(ctx: Context, table: Table, progress: Progress | None = None, *,
                     confirm_duplicates: bool = False) -> ImportReport:
    return _commit("locations", ctx, table, progress, confirm_duplicates)


DRY_RUNS = {"customers": dry_run_customers, "suppliers": dry_run_suppliers, "products": dry_run_products,
            "employees": dry_run_employees, "categories": dry_run_categories,
            "departments": dry_run_departments, "projects": dry_run_projects, "warehouses": dry_run_warehouses,
            "locations": dry_run_locations}
COMMITS = {"customers": import_customers, "suppliers": import_suppliers, "products": import_products,
           "employees": import_employees, "categories": import_categories,
           "departments": import_departments, "projects": import_projects, "warehouses": import_warehouses,
           "locations": import_locations}

_LABELS = {"departments": "import_org.kind.department", "projects": "import_org.kind.project",
           "warehouses": "import_org.kind.warehouse", "locations": "import_kinds.kind.location"}
_ORDER = ("customers", "suppliers", "products", "categories", "employees", "departments", "projects",
          "warehouses", "locations")


def _register() -> None:
    """Register the master record kinds with the import registry (page, `erp import`, `erp export`)."""
    from erp_core.io import export_queries as eq
    from erp_core.io.registry import ImportKind, register

    for order, name in enumerate(_ORDER):
        commit = COMMITS[name]
        register(ImportKind(
            name=name, label=_LABELS.get(name, "masterdata.import." + name), permission=commit.permission,
            dry_run=DRY_RUNS[name], commit=commit, template=eq.TEMPLATES[name],
            confirms_duplicates=name in ("customers", "suppliers"), export=eq.EXPORTS[name],
            export_permission=eq.EXPORTS[name].permission, order=10 * (order + 1)))


_register()
