"""Access examples for master records, custom fields, merge, import and export (engineer E2)."""

from __future__ import annotations

from erp_core.io.importer import Table
from erp_core.masterdata import (
    custom_fields_services,
    employees_services,
    items_services,
    partners_services,
)
from tests.access.examples import example

M = "erp_core.masterdata."
IO = "erp_core.io."


def _customer(env) -> int:
    return env.call(partners_services.create_customer, values={"code": env.unique("C"), "name": env.unique("客户")})


def _supplier(env) -> int:
    return env.call(partners_services.create_supplier, values={"code": env.unique("S"), "name": env.unique("供应商")})


def _product(env) -> int:
    return env.call(items_services.create_product, values={"code": env.unique("P"), "name": "商品"})


def _category(env) -> int:
    return env.call(items_services.create_category, values={"code": env.unique("K"), "name": "分类"})


def _employee(env) -> int:
    return env.call(employees_services.create_employee, values={"code": env.unique("E"), "name": "职员"})


@example(M + "items_services.create_category")
def _(env):
    return {"values": {"code": env.unique("K"), "name": "分类"}}


@example(M + "items_services.edit_category")
def _(env):
    return {"category_id": _category(env), "version": None, "values": {"name": "新"}}


@example(M + "items_services.set_category_active")
def _(env):
    return {"category_id": _category(env), "version": None}


@example(M + "items_queries.get_category")
def _(env):
    return {"category_id": _category(env)}


@example(M + "items_services.create_product")
def _(env):
    return {"values": {"code": env.unique("P"), "name": "商品"}}


@example(M + "items_services.edit_product")
def _(env):
    return {"product_id": _product(env), "version": None, "values": {"name": "改名"}}


@example(M + "items_services.set_product_active")
def _(env):
    return {"product_id": _product(env), "version": None}


@example(M + "items_queries.get_product")
def _(env):
    return {"product_id": _product(env)}


@example(M + "partners_services.create_customer")
def _(env):
    return {"values": {"code": env.unique("C"), "name": env.unique("新客户")}}


@example(M + "partners_services.create_supplier")
def _(env):
    return {"values": {"code": env.unique("S"), "name": env.unique("新供应商")}}


@example(M + "partners_services.edit_customer")
def _(env):
    return {"customer_id": _customer(env), "version": None, "values": {"contact_name": "王"}}


@example(M + "partners_services.edit_supplier")
def _(env):
    return {"supplier_id": _supplier(env), "version": None, "values": {"contact_name": "李"}}


@example(M + "partners_services.set_customer_active")
def _(env):
    return {"customer_id": _customer(env), "version": None}


@example(M + "partners_queries.get_customer")
def _(env):
    return {"customer_id": _customer(env)}


@example(M + "partners_services.set_supplier_active")
def _(env):
    return {"supplier_id": _supplier(env), "version": None}


@example(M + "partners_queries.get_supplier")
def _(env):
    return {"supplier_id": _supplier(env)}


@example(M + "partners_services.add_customer_contact")
def _(env):
    return {"customer_id": _customer(env), "values": {"name": "王"}}


@example(M + "partners_services.add_supplier_contact")
def _(env):
    return {"supplier_id": _supplier(env), "values": {"name": "李"}}


@example(M + "partners_services.add_customer_address")
def _(env):
    return {"customer_id": _customer(env), "values": {"address": "长沙"}}


@example(M + "partners_services.add_supplier_address")
def _(env):
    return {"supplier_id": _supplier(env), "values": {"address": "株洲"}}


@example(M + "partners_services.remove_customer_contact")
def _(env):
    cid = _customer(env)
    return {"customer_id": cid, "contact_id": env.call(partners_services.add_customer_contact, customer_id=cid,
                                                        values={"name": "王"})}


@example(M + "partners_services.remove_supplier_contact")
def _(env):
    sid = _supplier(env)
    return {"supplier_id": sid, "contact_id": env.call(partners_services.add_supplier_contact, supplier_id=sid,
                                                        values={"name": "李"})}


@example(M + "partners_services.remove_customer_address")
def _(env):
    cid = _customer(env)
    return {"customer_id": cid, "address_id": env.call(partners_services.add_customer_address, customer_id=cid,
                                                        values={"address": "长沙"})}


@example(M + "partners_services.remove_supplier_address")
def _(env):
    sid = _supplier(env)
    return {"supplier_id": sid, "address_id": env.call(partners_services.add_supplier_address, supplier_id=sid,
                                                        values={"address": "株洲"})}


@example(M + "partners_queries.customer_duplicates", M + "partners_queries.supplier_duplicates")
def _(env):
    return {"values": {"name": "某公司"}}


@example(M + "merge_services.merge_preview_customers")
def _(env):
    return {"survivor_id": _customer(env), "duplicate_id": _customer(env)}


@example(M + "merge_services.merge_preview_suppliers")
def _(env):
    return {"survivor_id": _supplier(env), "duplicate_id": _supplier(env)}


@example(M + "merge_services.merge_customers")
def _(env):
    return {"survivor_id": _customer(env), "duplicate_id": _customer(env), "survivor_version": 1,
            "duplicate_version": 1}


@example(M + "merge_services.merge_suppliers")
def _(env):
    return {"survivor_id": _supplier(env), "duplicate_id": _supplier(env), "survivor_version": 1,
            "duplicate_version": 1}


@example(M + "employees_services.create_employee")
def _(env):
    return {"values": {"code": env.unique("E"), "name": "职员"}}


@example(M + "employees_services.edit_employee")
def _(env):
    return {"employee_id": _employee(env), "version": None, "values": {"position": "会计"}}


@example(M + "employees_services.set_employee_active")
def _(env):
    return {"employee_id": _employee(env), "version": None}


@example(M + "partners_queries.customer_references", M + "partners_queries.supplier_references",
         M + "employees_queries.employee_references")
def _(env):
    return {"ref": "department"}


@example(M + "warehouse_queries.keeper_choices")
def _(env):
    return {}


@example(M + "employees_queries.get_employee")
def _(env):
    return {"employee_id": _employee(env)}


@example(M + "custom_fields_services.define_field")
def _(env):
    return {"values": {"entity": "product", "key": env.unique("f"), "label_zh": "字段", "label_en": "Field",
                       "field_type": "text"}}


def _field(env) -> int:
    return env.call(custom_fields_services.define_field, values={
        "entity": "supplier", "key": env.unique("f"), "label_zh": "字段", "label_en": "Field", "field_type": "text"})


@example(M + "custom_fields_services.edit_field")
def _(env):
    return {"field_id": _field(env), "version": None, "values": {"label_en": "Renamed"}}


@example(M + "custom_fields_services.remove_field", M + "custom_fields_services.restore_field")
def _(env):
    return {"field_id": _field(env), "version": None}


@example(M + "custom_fields_services.list_fields", M + "custom_fields_services.customer_fields",
         M + "custom_fields_services.supplier_fields", M + "custom_fields_services.product_fields",
         M + "custom_fields_services.employee_fields", M + "employees_queries.list_employees",
         M + "items_queries.list_categories", M + "items_queries.category_tree", M + "items_queries.list_products",
         M + "partners_queries.list_customers", M + "partners_queries.list_suppliers",
         IO + "export_queries.export_customers", IO + "export_queries.export_suppliers",
         IO + "export_queries.export_products", IO + "export_queries.export_employees",
         IO + "export_queries.export_categories", IO + "export_queries.customer_template",
         IO + "export_queries.supplier_template", IO + "export_queries.product_template",
         IO + "export_queries.employee_template", IO + "export_queries.category_template")
def _(env):
    return {}


@example(*(IO + f"import_services.{verb}_{kind}" for verb in ("dry_run", "import")
           for kind in ("customers", "suppliers", "products", "employees", "categories")))
def _(env):
    return {"table": Table(["code", "name"], [[env.unique("X"), env.unique("导入")]], "access.csv")}



def _top_level_accounts(env, n: int) -> list[str]:
    """Fresh first-level accounts (19xx assets, debit; 39xx equity, credit) nobody else posts to."""
    from erp_core.io.ledger_import_services import import_accounts

    codes = []
    for _ in range(n):
        tail = env.unique("")[-2:]
        codes += [f"19{tail}", f"39{tail}"]
    env.call(import_accounts, table=Table(["科目编码", "科目名称", "科目类别", "余额方向"],
                                          [[c, "测试" + c, "资产" if c[0] == "1" else "所有者权益",
                                            "借" if c[0] == "1" else "贷"] for c in codes], "a.csv"))
    return codes


@example(IO + "ledger_import_services.dry_run_accounts", IO + "ledger_import_services.import_accounts")
def _(env):
    tail = env.unique("")[-2:]
    return {"table": Table(["科目编码", "科目名称", "科目类别", "余额方向"], [[f"18{tail}", "测试", "资产", "借"]],
                           "accounts.csv")}


@example(IO + "ledger_import_services.dry_run_opening_balances",
         IO + "ledger_import_services.import_opening_balances")
def _(env):
    import datetime as dt

    from erp_core.finance import close_services
    from erp_core.kernel.errors import DomainError

    # Opening balances come before the books run: none once a period is closed, none dated after a posted
    # voucher. The close examples leave 2000-01 closed: reopen it (later periods are open), date before 2000.
    try:
        env.call(close_services.reopen_period, period="2000-01", reason="期初余额")
    except DomainError:
        pass
    asset, equity = _top_level_accounts(env, 1)
    return {"table": Table(["account_code", "debit", "credit"], [[asset, "100", ""], [equity, "", "100"]],
                           "opening.csv"), "opening_date": dt.date(1999, 12, 31)}
