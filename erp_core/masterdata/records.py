"""One description per master record kind (columns, parsers, header names, references) and the generic rules
the use cases, queries, import and export share, so a value is judged the same way typed in a form, read from a
spreadsheet or written back out.

A kind's values are keyed by column ``key`` and hold what a person types: references are codes (department
code, category code, salesperson username), not database ids. ``clean()`` turns them into column values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from erp_core.db.base import Base
from erp_core.db.like import contains
from erp_core.i18n import t
from erp_core.io import parsers
from erp_core.io.parsers import CellError, Parser
from erp_core.kernel.actor import Scope
from erp_core.kernel.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from erp_core.masterdata import custom_fields as cf
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_items import COSTING_METHODS, PRODUCT_KINDS, Product, ProductCategory
from erp_core.masterdata.models_warehouse import Warehouse
from erp_core.security.models import User
from erp_core.security.scope import may_touch, scope_condition, scoped


@dataclass(frozen=True)
class Col:
    """One field of a record kind, as a form field, an import column and an export column."""

    key: str  # the value key and the default English header
    field: str  # catalog key naming the field (field.<area>.<name>)
    parse: Parser
    required: bool = False
    attr: str | None = None  # model attribute (defaults to key); for references, the *_id attribute
    ref: str | None = None  # "department" | "category" | "user" | "warehouse": that record's code / username
    aliases: tuple[str, ...] = ()  # more accepted header spellings
    import_only: bool = False

    @property
    def target(self) -> str:
        return self.attr or self.key

    def headers(self) -> set[str]:
        names = {self.key, t(self.field, "zh_CN"), t(self.field, "en"), *self.aliases}
        return {header_key(n) for n in names}


def header_key(name: str) -> str:
    """Headers compare without case, spaces, full-width forms or a trailing '*' (required marker)."""
    s = unicodedata.normalize("NFKC", str(name)).strip().rstrip("*").casefold()
    return re.sub(r"[\s_\-]+", "", s)


@dataclass(frozen=True)
class Kind:
    name: str  # customer, supplier, product, employee, category
    model: type
    columns: tuple[Col, ...]
    permission: str  # masterdata.<object>
    custom_entity: str | None = None
    department_attr: str | None = None  # row scope by department
    owner_attr: str | None = None  # row scope "own"
    derived: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # extra columns from clean values
    search_attrs: tuple[str, ...] = ("code", "name")
    sort_attrs: tuple[str, ...] = ("code", "name")
    entity_label: str = ""  # catalog key of the record kind's name
    extra: dict[str, Any] = field(default_factory=dict)
    key: tuple[str, ...] = ("code",)  # the columns that identify a record in an import (upsert key)

    def col(self, key: str) -> Col:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


DUPLICATE_FIELDS = ("name", "tax_id", "phone")  # what find_duplicates compares


def new_likenesses(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The matches of ``after`` (find_duplicates results) with a record, or a reason, that ``before`` lacked:
    what a change makes alike, leaving out a likeness the record already had."""
    known = {(m["id"], reason) for m in before for reason in m["reasons"]}
    return [m for m in after if any((m["id"], reason) not in known for reason in m["reasons"])]


class DuplicateWarning(DomainError):
    """Customers/suppliers that look like the one being created or edited; repeat with confirm_duplicates=True."""

    default_id = "error.masterdata.duplicates"

    def __init__(self, matches: list[dict[str, Any]]) -> None:
        super().__init__(self.default_id, count=len(matches),
                         matches="; ".join(f"{m['code']} {m['name']}" + (f" ({m['why']})" if m.get("why") else "")
                                           for m in matches))
        self.matches = matches


# --- references -----------------------------------------------------------------------------------------------

class Lookups:
    """Code -> id (and back) for the references of one company, loaded once per use case or import."""

    def __init__(self, session: Session, company_id: int) -> None:
        self.session, self.company_id = session, company_id
        self._maps: dict[str, dict[str, int]] = {}

    def _load(self, ref: str) -> dict[str, int]:
        if ref not in self._maps:
            if ref == "department":
                stmt = select(Department.code, Department.id).where(Department.company_id == self.company_id)
            elif ref == "category":
                stmt = select(ProductCategory.code, ProductCategory.id).where(
                    ProductCategory.company_id == self.company_id)
            elif ref == "user":
                stmt = select(User.username, User.id).where(User.company_id == self.company_id)
            elif ref == "warehouse":
                stmt = select(Warehouse.code, Warehouse.id).where(Warehouse.company_id == self.company_id)
            else:
                raise ValueError(ref)
            self._maps[ref] = {code: id_ for code, id_ in self.session.execute(stmt)}
        return self._maps[ref]

    def settings_codes(self, table: str) -> set[str] | None:
        key = "settings:" + table
        if key not in self._maps:
            self._maps[key] = settings_codes(self.session, self.company_id, table)  # type: ignore[assignment]
        return self._maps[key]  # type: ignore[return-value]

    def id_of(self, ref: str, code: str) -> int | None:
        return self._load(ref).get(code)

    def code_of(self, ref: str, id_: int | None) -> str | None:
        if id_ is None:
            return None
        rev = self._maps.get(ref + ":rev")
        if rev is None:
            rev = {v: k for k, v in self._load(ref).items()}
            self._maps[ref + ":rev"] = rev  # type: ignore[assignment]
        return rev.get(id_)  # type: ignore[return-value]


def settings_codes(session: Session, company_id: int, table: str) -> set[str] | None:
    """Codes of E1's settings table ``table`` (unit, tax_rate) for the company, or None when the table does not
    exist or the company has none yet (then any code is accepted)."""
    tbl = Base.metadata.tables.get(table)
    if tbl is None or "code" not in tbl.c:
        return None
    codes = {c for (c,) in session.execute(select(tbl.c.code).where(tbl.c.company_id == company_id))}
    return codes or None


# --- validation -----------------------------------------------------------------------------------------------

Problem = tuple[str, str, Any, CellError]  # (column key or custom key, field label key/text, raw value, error)


def clean(kind: Kind, raw: dict[str, Any], lookups: Lookups, *, creating: bool,
          current: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Parse ``raw`` (key -> typed value). Keys missing from ``raw`` keep ``current`` (edits) or are empty
    (creates). Returns model attribute -> value and every problem found."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for col in kind.columns:
        if col.key not in raw:
            if not creating:
                continue
            value = None
        else:
            value = raw[col.key]
        try:
            parsed = col.parse(value)
        except CellError as err:
            problems.append((col.key, col.field, value, err))
            continue
        if parsed is None and col.required:
            problems.append((col.key, col.field, value, CellError("error.required")))
            continue
        if col.ref and parsed is not None:
            ref_id = lookups.id_of(col.ref, parsed)
            if ref_id is None:
                problems.append((col.key, col.field, value, CellError("error.masterdata.unknown_ref", value=parsed)))
                continue
            out[col.target] = ref_id
        else:
            out[col.target] = parsed
    for col_key, table in (("unit", "unit"), ("tax_rate", "tax_rate")):
        if any(c.key == col_key for c in kind.columns) and out.get(kind.col(col_key).target):
            codes = lookups.settings_codes(table)
            if codes is not None and out[kind.col(col_key).target] not in codes:
                problems.append((col_key, kind.col(col_key).field, raw.get(col_key),
                                 CellError("error.masterdata.unknown_ref", value=out[kind.col(col_key).target])))
    return out, problems


def as_validation_errors(problems: list[Problem]) -> ValidationErrors:
    return ValidationErrors([ValidationError(err.message_id, field=label, **err.params)
                             for _key, label, _value, err in problems])


def custom_problems(defs: list[cf.FieldDef], found: list) -> list[Problem]:
    return [(d.key, d.catalog_field, value, err) for d, value, err in found]


# --- scope ----------------------------------------------------------------------------------------------------

def scope_stmt(kind: Kind, stmt: Select, ctx) -> Select:
    model = kind.model
    return scoped(stmt, ctx, company_col=model.company_id,
                  department_col=getattr(model, kind.department_attr) if kind.department_attr else None,
                  owner_col=getattr(model, kind.owner_attr) if kind.owner_attr else None)


def check_touch(kind: Kind, ctx, obj: Any) -> None:
    if not may_touch(ctx, company_id=obj.company_id,
                     department_id=getattr(obj, kind.department_attr) if kind.department_attr else None,
                     owner_id=getattr(obj, kind.owner_attr) if kind.owner_attr else None):
        raise PermissionDenied(permission=ctx.permission)


def load(kind: Kind, ctx, record_id: int) -> Any:
    obj = ctx.session.get(kind.model, record_id)
    if obj is None or obj.company_id != ctx.company_id:
        raise NotFound()
    return obj


# --- create / edit / deactivate -------------------------------------------------------------------------------

def _code_taken(kind: Kind, ctx, code: str, except_id: int | None = None) -> bool:
    stmt = select(func.count()).select_from(kind.model).where(kind.model.company_id == ctx.company_id,
                                                              kind.model.code == code)
    if except_id is not None:
        stmt = stmt.where(kind.model.id != except_id)
    return ctx.session.execute(stmt).scalar_one() > 0


def create(kind: Kind, ctx, values: dict[str, Any], custom: dict[str, Any] | None = None, *,
           confirm_duplicates: bool = False, duplicate_check: Callable | None = None) -> int:
    lookups = Lookups(ctx.session, ctx.company_id)
    attrs, problems = clean(kind, values, lookups, creating=True)
    stored: dict[str, str] = {}
    if kind.custom_entity:
        defs = cf.definitions(ctx.session, ctx.company_id, kind.custom_entity)
        stored, found = cf.clean_custom(defs, custom, creating=True)
        problems += custom_problems(defs, found)
    if attrs.get("code") and _code_taken(kind, ctx, attrs["code"]):
        problems.append(("code", kind.col("code").field, attrs["code"], CellError("error.masterdata.code_taken")))
    if problems:
        raise as_validation_errors(problems)
    if kind.derived:
        attrs.update(kind.derived(attrs))
    if duplicate_check and not confirm_duplicates:
        matches = duplicate_check(ctx.session, ctx.company_id, attrs, None, locale=ctx.actor.locale)
        if matches:
            raise DuplicateWarning(matches)
    obj = kind.model(company_id=ctx.company_id, **attrs)
    if hasattr(obj, "created_by"):
        obj.created_by = ctx.actor.user_id
    if kind.custom_entity:
        obj.custom_json = cf.dumps(stored)
    check_touch(kind, ctx, obj)
    ctx.session.add(obj)
    flush_unique(ctx)
    ctx.audit(kind.name, obj.id, code=obj.code)
    return obj.id


def flush_unique(ctx) -> None:
    """Flush now. A unique constraint that fires here (two people saving the same code at the same moment,
    both past the friendly check) becomes a Conflict with nothing written, not a database error."""
    try:
        ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("error.masterdata.concurrent_duplicate") from exc


def edit(kind: Kind, ctx, record_id: int, version: int | None, values: dict[str, Any],
         custom: dict[str, Any] | None = None, *, confirm_duplicates: bool = False,
         duplicate_check: Callable | None = None) -> None:
    obj = load(kind, ctx, record_id)
    check_touch(kind, ctx, obj)
    ctx.check_version(obj, version)
    if getattr(obj, "merged_into", None) is not None:
        raise ValidationErrors([ValidationError("error.masterdata.merged", field="field.masterdata.code")])
    lookups = Lookups(ctx.session, ctx.company_id)
    attrs, problems = clean(kind, values, lookups, creating=False)
    stored = None
    if kind.custom_entity:
        defs = cf.definitions(ctx.session, ctx.company_id, kind.custom_entity)
        stored, found = cf.clean_custom(defs, custom or {}, existing=cf.loads(obj.custom_json), creating=False)
        problems += custom_problems(defs, found)
    if attrs.get("code") and _code_taken(kind, ctx, attrs["code"], except_id=obj.id):
        problems.append(("code", kind.col("code").field, attrs["code"], CellError("error.masterdata.code_taken")))
    if kind.name == "category" and attrs.get("parent_id") is not None:
        if _is_descendant(ctx.session, attrs["parent_id"], obj.id):
            problems.append(("parent", kind.col("parent").field, values.get("parent"),
                             CellError("error.masterdata.category_cycle")))
    if problems:
        raise as_validation_errors(problems)
    if kind.derived:
        merged = {c.target: getattr(obj, c.target) for c in kind.columns}
        merged.update(attrs)
        attrs.update(kind.derived(merged))
    if duplicate_check and not confirm_duplicates:
        # Only a likeness the edit creates: another record, or another reason, that the record before the edit
        # did not already match (a look-alike pair left unmerged on purpose must not ask again on every save).
        before = {k: getattr(obj, k, None) for k in DUPLICATE_FIELDS}
        after = {k: attrs.get(k, before[k]) for k in DUPLICATE_FIELDS}
        if after != before:
            matches = new_likenesses(duplicate_check(ctx.session, ctx.company_id, before, obj.id),
                                     duplicate_check(ctx.session, ctx.company_id, after, obj.id,
                                                     locale=ctx.actor.locale))
            if matches:
                raise DuplicateWarning(matches)
    ctx.diff(obj, **attrs)
    if stored is not None:
        ctx.diff(obj, custom_json=cf.dumps(stored))
    check_touch(kind, ctx, obj)  # a department-scoped user cannot move a record out of their reach
    flush_unique(ctx)
    ctx.audit(kind.name, obj.id)


def set_active(kind: Kind, ctx, record_id: int, version: int | None, active: bool) -> None:
    obj = load(kind, ctx, record_id)
    check_touch(kind, ctx, obj)
    ctx.check_version(obj, version)
    if getattr(obj, "merged_into", None) is not None and active:
        raise ValidationErrors([ValidationError("error.masterdata.merged", field="field.masterdata.active")])
    ctx.diff(obj, active=active)
    ctx.audit(kind.name, obj.id)


def _is_descendant(session: Session, candidate: int, ancestor: int) -> bool:
    """True when category ``candidate`` is ``ancestor`` or lies below it."""
    seen = set()
    node: int | None = candidate
    while node is not None and node not in seen:
        if node == ancestor:
            return True
        seen.add(node)
        node = session.execute(select(ProductCategory.parent_id).where(ProductCategory.id == node)).scalar()
    return False


# --- reading --------------------------------------------------------------------------------------------------

@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int


def row_values(kind: Kind, obj: Any, lookups: Lookups) -> dict[str, Any]:
    """A record as typed values (references as codes), plus id, version, active and custom values."""
    out: dict[str, Any] = {"id": obj.id, "version": obj.version}
    for col in kind.columns:
        v = getattr(obj, col.target)
        out[col.key] = lookups.code_of(col.ref, v) if col.ref else v
    if kind.custom_entity:
        out["custom"] = cf.loads(obj.custom_json)
    if hasattr(obj, "merged_into"):
        out["merged_into"] = obj.merged_into
    return out


def list_records(kind: Kind, ctx, *, search: str | None = None, active: bool | None = None,
                 filters: dict[str, Any] | None = None, custom_filters: dict[str, Any] | None = None,
                 sort: str = "code", descending: bool = False, page: int = 1, page_size: int = 50,
                 include_merged: bool = False) -> Page:
    """Search (code/name contains), equality filters on columns (references by code), custom field filters,
    sort and paging, inside the actor's row scope. Partners merged into another are left out unless asked for
    (so an export never carries them back into an import)."""
    m = kind.model
    stmt = scope_stmt(kind, select(m), ctx)
    if hasattr(m, "merged_into") and not include_merged:
        stmt = stmt.where(m.merged_into.is_(None))
    if search:
        stmt = stmt.where(or_(*(contains(getattr(m, a), search.strip()) for a in kind.search_attrs)))
    if active is not None:
        stmt = stmt.where(m.active.is_(active))
    lookups = Lookups(ctx.session, ctx.company_id)
    problems: list[Problem] = []
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        col = kind.col(key)
        try:
            parsed = lookups.id_of(col.ref, value) if col.ref else col.parse(value)
            if col.ref and parsed is None:
                raise CellError("error.masterdata.unknown_ref", value=value)
        except CellError as err:
            problems.append((key, col.field, value, err))
            continue
        value = parsed
        stmt = stmt.where(getattr(m, col.target) == value)
    if custom_filters and kind.custom_entity:
        defs = {d.key: d for d in cf.definitions(ctx.session, ctx.company_id, kind.custom_entity,
                                                 include_retired=True)}
        for key, value in custom_filters.items():
            if value is None or value == "" or key not in defs:
                continue
            d = defs[key]
            try:
                stmt = stmt.where(cf.equals_condition(m.custom_json, key, value, d.field_type, d.choices))
            except CellError as err:
                problems.append((key, d.catalog_field, value, err))
    if problems:  # a filter value that cannot match anything is reported, like bad form input
        raise as_validation_errors(problems)
    total = ctx.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    sort_col = getattr(m, kind.col(sort).target if sort in {c.key for c in kind.columns} else "code")
    stmt = stmt.order_by(sort_col.desc() if descending else sort_col, m.id)
    if page_size:
        stmt = stmt.offset(max(page - 1, 0) * page_size).limit(page_size)
    rows = [row_values(kind, obj, lookups) for obj in ctx.session.execute(stmt).scalars()]
    return Page(rows, total, page, page_size)


def reference_choices(kind: Kind, ctx, ref: str) -> list[dict[str, Any]]:
    """The records a person may pick for a ``ref`` column of ``kind`` (pickers and list filters): active ones of the
    company, each {"code", "name"} (code: what the column holds; users by username), by code. Narrowed by the row
    scope of ``ctx.permission`` the way a save would be judged: a department-scoped actor gets their departments and
    their departments' users (and themselves), an own-scoped actor only themselves as owner."""
    if ref not in {c.ref for c in kind.columns if c.ref}:
        raise ValueError(ref)
    actor = ctx.actor
    scope = actor.scope(ctx.permission)
    if ref == "department":
        stmt = select(Department.code, Department.name).where(Department.company_id == ctx.company_id,
                                                              Department.active.is_(True))
        if scope is Scope.DEPARTMENT and not actor.is_system:
            stmt = stmt.where(Department.id.in_(sorted(actor.department_ids)))
        stmt = stmt.order_by(Department.code)
    elif ref == "user":
        stmt = select(User.username, User.display_name).where(User.company_id == ctx.company_id,
                                                             User.status == "active")
        cond = scope_condition(actor, scope, department_col=User.department_id, owner_col=User.id)
        if cond is not None:
            stmt = stmt.where(cond)
        stmt = stmt.order_by(User.username)
    elif ref == "category":
        stmt = select(ProductCategory.code, ProductCategory.name).where(
            ProductCategory.company_id == ctx.company_id, ProductCategory.active.is_(True)).order_by(
            ProductCategory.code)
    else:
        stmt = select(Warehouse.code, Warehouse.name).where(Warehouse.company_id == ctx.company_id,
                                                           Warehouse.active.is_(True)).order_by(Warehouse.code)
    return [{"code": code, "name": name} for code, name in ctx.session.execute(stmt)]


def detail(kind: Kind, ctx, record_id: int) -> dict[str, Any]:
    obj = load(kind, ctx, record_id)
    check_touch(kind, ctx, obj)
    return row_values(kind, obj, Lookups(ctx.session, ctx.company_id))


# --- the kinds ------------------------------------------------------------------------------------------------

def _code(required: bool = True) -> Col:
    return Col("code", "field.masterdata.code", parsers.code(40), required=required, aliases=("编号", "代码"))


def _active() -> Col:
    return Col("active", "field.masterdata.active", parsers.boolean(), aliases=("启用", "状态"))


CATEGORY = Kind(
    name="category", model=ProductCategory, permission="masterdata.category", entity_label="masterdata.kind.category",
    columns=(
        _code(),
        Col("name", "field.masterdata.name", parsers.text(200), required=True),
        Col("parent", "field.masterdata.parent_category", parsers.code(40), attr="parent_id", ref="category",
            aliases=("上级编码", "parent code")),
        _active(),
    ),
)

PRODUCT = Kind(
    name="product", model=Product, permission="masterdata.product", custom_entity="product",
    entity_label="masterdata.kind.product", search_attrs=("code", "name", "barcode", "specification"),
    sort_attrs=("code", "name", "category", "kind"),
    columns=(
        _code(),
        Col("name", "field.masterdata.name", parsers.text(200), required=True, aliases=("品名", "商品名称")),
        Col("specification", "field.masterdata.specification", parsers.text(200), aliases=("规格", "spec")),
        Col("unit", "field.masterdata.unit", parsers.text(20), attr="unit_code", aliases=("单位",)),
        Col("category", "field.masterdata.category", parsers.code(40), attr="category_id", ref="category",
            aliases=("分类", "类别")),
        Col("tax_rate", "field.masterdata.tax_rate", parsers.text(20), attr="tax_rate_code", aliases=("税率",)),
        Col("costing_method", "field.masterdata.costing_method", parsers.choice(
            {"moving_average": "moving_average", "移动加权平均": "moving_average", "移动平均": "moving_average",
             "moving average": "moving_average", "fifo": "fifo", "先进先出": "fifo",
             "monthly_average": "monthly_average", "月末一次加权平均": "monthly_average",
             "全月一次加权平均": "monthly_average", "月末加权平均": "monthly_average"}), aliases=("计价方法",)),
        Col("reorder_point", "field.masterdata.reorder_point", parsers.quantity()),
        Col("reorder_quantity", "field.masterdata.reorder_quantity", parsers.quantity()),
        Col("barcode", "field.masterdata.barcode", parsers.text(64), aliases=("条码",)),
        Col("kind", "field.masterdata.product_kind", parsers.choice(
            {"product": "product", "商品": "product", "货物": "product", "service": "service",
             "服务": "service"}), aliases=("类型",)),
        _active(),
    ),
)


def _product_defaults(attrs: dict[str, Any]) -> dict[str, Any]:
    return {"costing_method": attrs.get("costing_method") or COSTING_METHODS[0],
            "kind": attrs.get("kind") or PRODUCT_KINDS[0],
            "active": True if attrs.get("active") is None else attrs["active"]}


object.__setattr__(PRODUCT, "derived", _product_defaults)
object.__setattr__(CATEGORY, "derived",
                   lambda a: {"active": True if a.get("active") is None else a["active"]})
