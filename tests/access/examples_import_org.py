"""Access examples for import/export of departments, projects and warehouses (erp_core/io/org_kinds.py)."""

from erp_core.io.importer import Table
from tests.access.examples import example

IO = "erp_core.io."


@example(IO + "export_queries.export_departments", IO + "export_queries.export_projects",
         IO + "export_queries.export_warehouses", IO + "export_queries.department_template",
         IO + "export_queries.project_template", IO + "export_queries.warehouse_template")
def _(env):
    return {}


@example(*(IO + f"import_services.{verb}_{kind}" for verb in ("dry_run", "import")
           for kind in ("departments", "projects", "warehouses")))
def _(env):
    return {"table": Table(["code", "name"], [[env.unique("X"), env.unique("导入")]], "access.csv")}


@example(IO + "export_queries.export_locations", IO + "export_queries.location_template")
def _(env):
    return {}


@example(IO + "import_services.dry_run_locations", IO + "import_services.import_locations")
def _(env):
    from erp_core.masterdata import warehouse_services

    code = env.unique("W")
    env.call(warehouse_services.create_warehouse, code=code, name=env.unique("仓"))
    return {"table": Table(["warehouse", "code", "name"], [[code, env.unique("L"), "库位"]], "access.csv")}
