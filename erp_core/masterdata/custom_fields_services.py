"""Use cases for custom field definitions (自定义字段), and their lifecycle rules.

Changing a field never silently loses stored values: a new type or a shorter choice list is refused while any
stored value would not parse under it (the error names how many and shows examples); removing a field that holds
values retires it (hidden from forms and imports, values kept, still exported, can be restored); a field with
no values at all is deleted outright.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Table, func, select

from erp_core.db.base import Base
from erp_core.io import parsers
from erp_core.io.parsers import CellError
from erp_core.kernel.errors import Conflict, NotFound
from erp_core.masterdata import custom_fields as cf
from erp_core.masterdata import records as r
from erp_core.masterdata.models_custom_fields import CUSTOM_ENTITIES, CUSTOM_TYPES, CustomField
from erp_core.usecase import Context, query, use_case

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_OWN_TABLES = {"customer": "customer", "supplier": "supplier", "product": "product", "employee": "employee"}


def entity_tables(entity: str) -> list[Table]:
    """Tables holding values of ``entity``'s custom fields: the master table, or for "document" every other
    table with a custom_json column (so documents of later modules are covered without listing them)."""
    tables = Base.metadata.tables
    if entity in _OWN_TABLES:
        return [tables[_OWN_TABLES[entity]]]
    return [t for name, t in tables.items() if "custom_json" in t.c and "company_id" in t.c
            and name not in _OWN_TABLES.values()]


def stored_values(ctx: Context, entity: str, key: str) -> list[str]:
    out: list[str] = []
    for table in entity_tables(entity):
        stmt = select(table.c.custom_json).where(table.c.company_id == ctx.company_id,
                                                 table.c.custom_json.is_not(None))
        for (text,) in ctx.session.execute(stmt):
            value = cf.loads(text).get(key)
            if value is not None:
                out.append(value)
    return out


def _builtin_keys(entity: str) -> set[str]:
    from erp_core.masterdata.employees_services import EMPLOYEE
    from erp_core.masterdata.partners import CUSTOMER, SUPPLIER

    kinds = {"customer": CUSTOMER, "supplier": SUPPLIER, "product": r.PRODUCT, "employee": EMPLOYEE}
    kind = kinds.get(entity)
    if kind is None:
        return set()
    return {c.key for c in kind.columns} | {r.header_key(h) for c in kind.columns for h in c.headers()}


def _validate(values: dict[str, Any], *, creating: bool, entity: str | None = None) -> dict[str, Any]:
    spec = [("label_zh", "field.masterdata.cf_label_zh", parsers.text(100), True),
            ("label_en", "field.masterdata.cf_label_en", parsers.text(100), True),
            ("field_type", "field.masterdata.cf_type", parsers.choice(CUSTOM_TYPES), True),
            ("required", "field.masterdata.cf_required", parsers.boolean(), False),
            ("default_value", "field.masterdata.cf_default", parsers.text(200), False),
            ("choices", "field.masterdata.cf_choices", parsers.text(4000, multiline=True), False),
            ("position", "field.masterdata.cf_position", parsers.integer(min_value=0, max_value=9999), False)]
    if creating:
        spec = [("entity", "field.masterdata.cf_entity", parsers.choice(CUSTOM_ENTITIES), True),
                ("key", "field.masterdata.cf_key", parsers.text(40), True)] + spec
    out: dict[str, Any] = {}
    problems: list[r.Problem] = []
    for key, field, parse, required in spec:
        if not creating and key not in values:
            continue
        try:
            v = parse(values.get(key))
        except CellError as err:
            problems.append((key, field, values.get(key), err))
            continue
        if v is None and required:
            problems.append((key, field, values.get(key), CellError("error.required")))
            continue
        out[key] = v
    if creating and out.get("key"):
        if not KEY_RE.match(out["key"]):
            problems.append(("key", "field.masterdata.cf_key", out["key"], CellError("error.masterdata.cf_key")))
        elif out.get("entity") and (out["key"] in _builtin_keys(out["entity"])
                                    or r.header_key(out["key"]) in _builtin_keys(out["entity"])):
            problems.append(("key", "field.masterdata.cf_key", out["key"],
                             CellError("error.masterdata.cf_key_builtin")))
    ftype = out.get("field_type")
    if ftype == "choice" and "choices" in out and not cf.split_choices(out.get("choices")):
        problems.append(("choices", "field.masterdata.cf_choices", None, CellError("error.required")))
    if ftype and out.get("default_value") is not None:
        try:
            cf.parser_for(ftype, cf.split_choices(out.get("choices")))(out["default_value"])
        except CellError as err:
            problems.append(("default_value", "field.masterdata.cf_default", out["default_value"], err))
    if problems:
        raise r.as_validation_errors(problems)
    if "choices" in out:
        out["choices"] = "\n".join(cf.split_choices(out["choices"])) or None
    return out


@use_case("masterdata.custom_field.create", zh="新建自定义字段", en="Create custom field")
def define_field(ctx: Context, *, values: dict[str, Any]) -> int:
    """values: entity, key, label_zh, label_en, field_type, required, default_value, choices (one per line)."""
    clean = _validate(values, creating=True)
    exists = ctx.session.execute(select(func.count()).select_from(CustomField).where(
        CustomField.company_id == ctx.company_id, CustomField.entity == clean["entity"],
        CustomField.key == clean["key"])).scalar_one()
    if exists:
        raise r.as_validation_errors([("key", "field.masterdata.cf_key", clean["key"],
                                       CellError("error.masterdata.code_taken"))])
    clean.setdefault("required", False)
    clean["required"] = bool(clean["required"])
    clean["position"] = clean.get("position") or 0
    obj = CustomField(company_id=ctx.company_id, retired=False, **clean)
    ctx.session.add(obj)
    ctx.session.flush()
    ctx.audit("custom_field", obj.id, applies_to=obj.entity, key=obj.key)
    return obj.id


def _load(ctx: Context, field_id: int) -> CustomField:
    obj = ctx.session.get(CustomField, field_id)
    if obj is None or obj.company_id != ctx.company_id:
        raise NotFound()
    return obj


@use_case("masterdata.custom_field.edit", zh="修改自定义字段", en="Edit custom field")
def edit_field(ctx: Context, *, field_id: int, version: int | None, values: dict[str, Any]) -> None:
    """Change labels, type, required, default or choices. Refused (Conflict) while stored values would not
    fit the new type or choices."""
    obj = _load(ctx, field_id)
    ctx.check_version(obj, version)
    merged = {"field_type": obj.field_type, "choices": obj.choices, **values}
    clean = _validate(merged, creating=False)
    new_type = clean.get("field_type", obj.field_type)
    new_choices = cf.split_choices(clean.get("choices", obj.choices))
    if new_type != obj.field_type or new_choices != cf.split_choices(obj.choices):
        parse = cf.parser_for(new_type, new_choices)
        bad: list[str] = []
        for value in stored_values(ctx, obj.entity, obj.key):
            try:
                parse(value)
            except CellError:
                bad.append(value)
        if bad:
            raise Conflict("error.masterdata.cf_incompatible", count=len(bad),
                           examples=", ".join(sorted(set(bad))[:5]))
    if "required" in clean:
        clean["required"] = bool(clean["required"])
    ctx.diff(obj, **clean)
    ctx.audit("custom_field", obj.id)


@use_case("masterdata.custom_field.deactivate", zh="删除或停用自定义字段", en="Remove or retire custom field")
def remove_field(ctx: Context, *, field_id: int, version: int | None) -> str:
    """Delete a field that holds no values; retire (keep the values) one that does. Returns "deleted" or
    "retired"."""
    obj = _load(ctx, field_id)
    ctx.check_version(obj, version)
    count = len(stored_values(ctx, obj.entity, obj.key))
    if count:
        ctx.diff(obj, retired=True)
        ctx.audit("custom_field", obj.id, outcome="retired", values_kept=count)
        return "retired"
    ctx.audit("custom_field", obj.id, outcome="deleted", key=obj.key)
    ctx.session.delete(obj)
    return "deleted"


@use_case("masterdata.custom_field.edit", zh="修改自定义字段", en="Edit custom field")
def restore_field(ctx: Context, *, field_id: int, version: int | None) -> None:
    obj = _load(ctx, field_id)
    ctx.check_version(obj, version)
    ctx.diff(obj, retired=False)
    ctx.audit("custom_field", obj.id)


@query("masterdata.custom_field.view", zh="查看自定义字段", en="View custom fields")
def list_fields(ctx: Context, *, entity: str | None = None, include_retired: bool = True) -> list[dict[str, Any]]:
    stmt = select(CustomField).where(CustomField.company_id == ctx.company_id)
    if entity:
        stmt = stmt.where(CustomField.entity == entity)
    if not include_retired:
        stmt = stmt.where(CustomField.retired.is_(False))
    rows = ctx.session.execute(stmt.order_by(CustomField.entity, CustomField.position, CustomField.id)).scalars()
    return [{"id": f.id, "entity": f.entity, "key": f.key, "label_zh": f.label_zh, "label_en": f.label_en,
             "field_type": f.field_type, "required": f.required, "default_value": f.default_value,
             "choices": f.choices, "position": f.position, "retired": f.retired, "version": f.version,
             "values": len(stored_values(ctx, f.entity, f.key))} for f in rows]


def _active_defs(ctx: Context, entity: str) -> list[dict[str, Any]]:
    return [{"key": d.key, "label_zh": d.label_zh, "label_en": d.label_en, "field_type": d.field_type,
             "required": d.required, "default_value": d.default_value, "choices": list(d.choices)}
            for d in cf.definitions(ctx.session, ctx.company_id, entity)]


# The fields a form shows: readable by whoever may view the records (not only custom-field administrators).
@query("masterdata.customer.view", zh="查看客户", en="View customers")
def customer_fields(ctx: Context) -> list[dict[str, Any]]:
    return _active_defs(ctx, "customer")


@query("masterdata.supplier.view", zh="查看供应商", en="View suppliers")
def supplier_fields(ctx: Context) -> list[dict[str, Any]]:
    return _active_defs(ctx, "supplier")


@query("masterdata.product.view", zh="查看商品", en="View products")
def product_fields(ctx: Context) -> list[dict[str, Any]]:
    return _active_defs(ctx, "product")


@query("masterdata.employee.view", zh="查看职员", en="View employees")
def employee_fields(ctx: Context) -> list[dict[str, Any]]:
    return _active_defs(ctx, "employee")
