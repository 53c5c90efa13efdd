"""Import master records from CSV or XLSX: read -> map headers -> check every row -> write all or nothing.

    table = read_table(data, "customers.xlsx")
    report = dry_run_customers(db, actor, table)            # every problem, nothing written
    report = import_customers(db, actor, table, progress)   # one transaction, one audit record with counts

The table and the progress callback are passed positionally, so the audit record's parameters stay small (the
audit keeps keyword parameters only). The commit repeats the whole check inside its transaction: whatever the
dry run said, a file with any problem writes nothing (ImportFailed carries the report).

Upsert by key (the code, or several columns: ``Kind.key``, e.g. warehouse code + location code for storage
locations): a row whose key exists updates that record's columns present in the file (an empty cell clears
an optional value); columns not in the file are left alone. New rows are inserted with Core in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from erp_core.i18n import has, t
from erp_core.io import parsers
from erp_core.io.parsers import CellError
from erp_core.io.reading import Table, read_table  # noqa: F401  (read_table: re-exported for its callers)
from erp_core.kernel.actor import Scope
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import Conflict, DomainError
from erp_core.masterdata import custom_fields as cf
from erp_core.masterdata import records as r
from erp_core.masterdata.duplicates import DuplicateIndex, describe_match
from erp_core.security.scope import may_touch

Progress = Callable[[str, int, int], None]  # (phase "check" | "write", done, total)
BATCH = 2000


# Reading files (limits, encodings, control characters): erp_core/io/reading.py.

# --- reports --------------------------------------------------------------------------------------------------

@dataclass
class ImportProblem:
    row: int | None  # sheet row number (header = 1), None for a file-level problem
    column: str  # the header as written in the file, or the field's label
    value: Any
    message_id: str
    params: dict[str, Any] = field(default_factory=dict)
    warning: bool = False

    def reason(self, locale: str | None) -> str:
        params = {k: (t(v, locale) if isinstance(v, str) and has(v) else v) for k, v in self.params.items()}
        params.setdefault("field", self.column)
        return t(self.message_id, locale, **params)

    def render(self, locale: str | None) -> str:
        if self.row is None:
            return t("import.problem.file", locale, column=self.column, reason=self.reason(locale))
        value = parsers.visible(self.value)  # a control character in the cell shows as <U+0000>
        return t("import.problem.row", locale, row=self.row, column=self.column, value=value,
                 reason=self.reason(locale))


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    committed: bool = False
    columns: list[tuple[str, str | None]] = field(default_factory=list)  # (header, field it maps to or None)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportFailed(DomainError):
    """The file has problems; nothing was written. ``report`` lists every one of them."""

    default_id = "error.import.failed"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(self.default_id, count=len(report.problems))
        self.report = report


class DuplicatesNotConfirmed(DomainError):
    default_id = "error.import.unconfirmed_duplicates"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(self.default_id, count=len(report.warnings))
        self.report = report


# --- keyed columns (imports described as {key: (field, aliases, required)}) ---------------------------

def map_columns(columns: dict[str, tuple[str, tuple[str, ...], bool]], table: Table, report: ImportReport
                ) -> dict[int, str]:
    """Column index -> key for an import described as {key: (catalog field, aliases, required)}: a header matches
    the key, the field's zh_CN or en label, or an alias (compared by records.header_key). Unknown headers are
    warnings; duplicated and missing required columns, and an empty table, are problems on ``report``."""
    by_header: dict[str, str] = {}
    for key, (label, aliases, _req) in columns.items():
        for name in (key, t(label, "zh_CN"), t(label, "en"), *aliases):
            by_header.setdefault(r.header_key(name), key)
    mapping: dict[int, str] = {}
    for i, header in enumerate(table.headers):
        if not header:
            continue
        key = by_header.get(r.header_key(header))
        report.columns.append((header, columns[key][0] if key else None))
        if key is None:
            report.warnings.append(ImportProblem(None, header, None, "error.import.unknown_column", warning=True))
        elif key in mapping.values():
            report.problems.append(ImportProblem(None, header, None, "error.import.duplicate_column"))
        else:
            mapping[i] = key
    for key, (label, _aliases, required) in columns.items():
        if required and key not in mapping.values():
            report.problems.append(ImportProblem(None, t(label, "zh_CN") + " / " + t(label, "en"), None,
                                                 "error.import.missing_column"))
    if not table.rows:
        report.problems.append(ImportProblem(None, table.filename or "-", None, "error.import.empty"))
    return mapping


def keyed_rows(table: Table, mapping: dict[int, str]):
    """(sheet row number, {key: cell}) for every row of ``table`` that is not blank."""
    for n, cells in enumerate(table.rows):
        if all(parsers.is_blank(v) for v in cells):
            continue
        yield n + 2, {key: (cells[i] if i < len(cells) else None) for i, key in mapping.items()}


# --- the kinds that can be imported ---------------------------------------------------------------------------

def kinds() -> dict[str, r.Kind]:
    from erp_core.io.org_kinds import KINDS as ORG_KINDS
    from erp_core.masterdata.employees_services import EMPLOYEE
    from erp_core.masterdata.partners import CUSTOMER, SUPPLIER

    return {"customers": CUSTOMER, "suppliers": SUPPLIER, "products": r.PRODUCT, "employees": EMPLOYEE,
            "categories": r.CATEGORY, **ORG_KINDS}  # ORG_KINDS: departments, projects, warehouses, locations


def _tree_ref(kind: r.Kind) -> str | None:
    """The reference kind of a kind's own parent column (categories, departments): same-file parents."""
    return "category" if kind.name == "category" else kind.extra.get("tree_ref")


def kind_of(name: str) -> r.Kind:
    try:
        return kinds()[name]
    except KeyError:
        raise DomainError("error.import.unknown_kind", kind=name) from None


# --- checking -------------------------------------------------------------------------------------------------

@dataclass
class _Plan:
    report: ImportReport
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    placeholders: dict[int, str] | None = None  # negative placeholder id -> category code (same-file parents)


def _map_headers(kind: r.Kind, defs: list[cf.FieldDef], headers: list[str], report: ImportReport):
    by_header: dict[str, tuple[str, Any]] = {}
    for col in kind.columns:
        for h in col.headers():
            by_header.setdefault(h, ("col", col))
    for d in defs:
        for h in (d.key, d.label_zh, d.label_en):
            by_header.setdefault(r.header_key(h), ("custom", d))
    mapping: dict[int, tuple[str, Any]] = {}
    seen: dict[str, str] = {}
    for i, header in enumerate(headers):
        if not header:
            continue
        hit = by_header.get(r.header_key(header))
        if hit is None:
            report.columns.append((header, None))
            report.warnings.append(ImportProblem(None, header, None, "error.import.unknown_column", warning=True))
            continue
        ident = hit[0] + ":" + (hit[1].key)
        if ident in seen:
            report.problems.append(ImportProblem(None, header, None, "error.import.duplicate_column"))
            continue
        seen[ident] = header
        mapping[i] = hit
        report.columns.append((header, hit[1].field if hit[0] == "col" else hit[1].key))
    mapped_cols = {m[1].key for m in mapping.values() if m[0] == "col"}
    for col in kind.columns:
        if col.required and col.key not in mapped_cols:
            report.problems.append(ImportProblem(None, t(col.field, "zh_CN") + " / " + t(col.field, "en"), None,
                                                 "error.import.missing_column"))
    return mapping


def _check(kind: r.Kind, ctx, table: Table, progress: Progress | None) -> _Plan:
    session, company_id = ctx.session, ctx.company_id
    report = ImportReport(kind=kind.name, rows=len(table.rows))
    defs = cf.definitions(session, company_id, kind.custom_entity) if kind.custom_entity else []
    mapping = _map_headers(kind, defs, table.headers, report)
    if not table.rows:
        report.problems.append(ImportProblem(None, table.filename or "-", None, "error.import.empty"))
    if report.problems:
        return _Plan(report, [], [])
    model = kind.model
    targets = [c.target for c in kind.columns]
    cols = [model.id, model.version, *(getattr(model, a) for a in targets)]
    if kind.custom_entity:
        cols.append(model.custom_json)
    if kind.name in ("customer", "supplier"):
        cols += [model.merged_into]
    key_targets = [kind.col(k).target for k in kind.key]
    existing: dict[Any, dict[str, Any]] = {}
    for row in session.execute(select(*cols).where(model.company_id == company_id)):
        rec = dict(row._mapping)
        existing[_record_key(rec, key_targets)] = rec
    dup_index = _duplicate_index(kind, ctx, existing)
    lookups = r.Lookups(session, company_id)
    if _tree_ref(kind):
        _prepare_category_tree(kind, table, mapping, lookups, existing, report)
        if report.problems:
            return _Plan(report, [], [])
    header_of = {m[1].key: table.headers[i] for i, m in mapping.items()}
    scope = ctx.actor.scope(ctx.permission)
    check_scope = not ctx.actor.is_system and scope is not Scope.ALL
    scope_check = kind.extra.get("scope_check")  # a kind's own scope rule over the whole file (departments)
    first_row_of_code: dict[str, int] = {}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    now = naive_utcnow()
    total = len(table.rows)
    for n, cells in enumerate(table.rows):
        row_no = n + 2
        if progress and n % 1000 == 0:
            progress("check", n, total)
        if all(parsers.is_blank(v) for v in cells):
            continue
        raw: dict[str, Any] = {}
        raw_custom: dict[str, Any] = {}
        for i, (what, obj) in mapping.items():
            value = cells[i] if i < len(cells) else None
            if what == "col":
                raw[obj.key] = value
            else:
                raw_custom[obj.key] = value
        code_value = raw.get("code")
        try:
            code = kind.col("code").parse(code_value)
        except CellError:
            code = None
        key = _row_key(kind, raw, lookups)
        current = existing.get(key) if key is not None else None
        attrs, problems = r.clean(kind, raw, lookups, creating=current is None)
        stored: dict[str, str] = {}
        if kind.custom_entity:
            stored, found = cf.clean_custom(defs, raw_custom, creating=current is None,
                                            existing=cf.loads(current["custom_json"]) if current else None)
            problems += r.custom_problems(defs, found)
        if current is not None and current.get("merged_into") is not None:
            problems.append(("code", kind.col("code").field, code_value, CellError("error.masterdata.merged")))
        if key is not None:
            if key in first_row_of_code:
                problems.append(("code", kind.col("code").field, code_value,
                                 CellError("error.import.duplicate_in_file", other=first_row_of_code[key])))
            else:
                first_row_of_code[key] = row_no
        order = kind.extra.get("date_order")
        if order and not problems:
            first = attrs[kind.col(order[0]).target] if order[0] in raw else (current or {}).get(order[0])
            last = attrs[kind.col(order[1]).target] if order[1] in raw else (current or {}).get(order[1])
            if first and last and last < first:
                problems.append((order[1], kind.col(order[1]).field, raw.get(order[1], last),
                                 CellError("error.settings.date_order")))
        for key, label, value, err in problems:
            column = header_of.get(key) or (label if not has(label) else t(label, ctx.actor.locale))
            report.problems.append(ImportProblem(row_no, column, value, err.message_id, dict(err.params)))
        if problems:
            continue
        if kind.derived:
            merged = {a: current[a] for a in targets} if current else {}
            merged.update(attrs)
            attrs.update(kind.derived(merged))
        if check_scope and scope_check is None:
            # The record as it is now AND as the row leaves it (records.edit's rule): a row may neither reach
            # into another department's record nor move a record out of the actor's reach. Checking only the
            # new state let a clerk take over any record by importing its code with department=<own>.
            after = {**(current or {}), **attrs}
            if not all(_may_touch_row(kind, ctx, company_id, state)
                       for state in ((current, after) if current is not None else (after,))):
                report.problems.append(ImportProblem(row_no, header_of.get("code", "code"), code_value,
                                                     "error.permission_denied", {"permission": ctx.permission}))
                continue
        if dup_index is not None:
            matches = dup_index.check(code, attrs, row_no)
            if matches:
                report.warnings.append(ImportProblem(row_no, header_of.get("name", "name"), attrs.get("name"),
                                                     "import.warning.duplicate", {"matches": matches},
                                                     warning=True))
        if kind.custom_entity:
            attrs["custom_json"] = cf.dumps(stored)
        if current is None:
            attrs.update(company_id=company_id, version=1, created_at=now)
            if "created_by" in model.__table__.c:
                attrs["created_by"] = ctx.actor.user_id
            inserts.append(attrs)
        else:
            attrs["_id"] = current["id"]
            updates.append(attrs)
    if check_scope and scope_check is not None:
        for row_no, key, value, message_id, params in scope_check(ctx, existing, inserts + updates, lookups,
                                                                  first_row_of_code):
            report.problems.append(ImportProblem(row_no, header_of.get(key, key), value, message_id, params))
    file_check = kind.extra.get("file_check")  # like final_check, but run even when other rows have problems
    if file_check:
        for row_no, key, value, message_id, params in file_check(existing, inserts + updates, lookups,
                                                                first_row_of_code):
            report.problems.append(ImportProblem(row_no, header_of.get(key, key), value, message_id, params))
    final_check = kind.extra.get("final_check")
    if final_check and not report.problems:
        for row_no, key, value, message_id, params in final_check(existing, inserts + updates, lookups,
                                                                  first_row_of_code):
            report.problems.append(ImportProblem(row_no, header_of.get(key, key), value, message_id, params))
    if progress:
        progress("check", total, total)
    report.created, report.updated = len(inserts), len(updates)
    placeholders = None
    if _tree_ref(kind):
        placeholders = {v: k for k, v in lookups._load(_tree_ref(kind)).items() if v < 0}
    return _Plan(report, inserts, updates, placeholders)


def _may_touch_row(kind: r.Kind, ctx, company_id: int, state: dict[str, Any]) -> bool:
    return may_touch(ctx, company_id=company_id,
                     department_id=state.get(kind.department_attr) if kind.department_attr else None,
                     owner_id=state.get(kind.owner_attr) if kind.owner_attr else None)


def _record_key(rec: dict[str, Any], targets: list[str]) -> Any:
    """A stored record's upsert key: its code, or a tuple of several column values (composite keys)."""
    return rec[targets[0]] if len(targets) == 1 else tuple(rec[t] for t in targets)


def _row_key(kind: r.Kind, raw: dict[str, Any], lookups: r.Lookups) -> Any:
    """The upsert key of a file row in the same form as :func:`_record_key` (references resolved to ids), or
    None when a key cell is blank, invalid or names an unknown record (the row check reports why)."""
    values = []
    for name in kind.key:
        col = kind.col(name)
        try:
            value = col.parse(raw.get(name))
        except CellError:
            return None
        if value is None:
            return None
        if col.ref:
            value = lookups.id_of(col.ref, value)
            if value is None:
                return None
        values.append(value)
    return values[0] if len(values) == 1 else tuple(values)


class _DuplicateIndex:
    """Existing live partners (with their contacts' phones) and the earlier rows of the file, by the rule of
    masterdata/duplicates.py (tax ID, phones, equal or similar names)."""

    def __init__(self, kind: r.Kind, session, company_id: int, existing: dict[str, dict[str, Any]],
                 locale: str | None) -> None:
        from erp_core.masterdata.models_partners import PartnerContact

        self.index, self.names, self.locale = DuplicateIndex(), {}, locale
        code_of: dict[int, str] = {}
        for code, rec in existing.items():
            if rec.get("merged_into") is None:
                self._add(code, rec)
                code_of[rec["id"]] = code
        owner = getattr(PartnerContact, f"{kind.name}_id")
        for pid, phone in session.execute(select(owner, PartnerContact.phone).where(
                PartnerContact.company_id == company_id, owner.is_not(None), PartnerContact.phone.is_not(None))):
            if pid in code_of:
                self.index.add_phone(code_of[pid], phone)

    def _add(self, code: str, rec: dict[str, Any]) -> None:
        self.index.add(code, name=rec.get("name"), tax_id=rec.get("tax_id"), phones=[rec.get("phone")])
        if rec.get("name"):
            self.names.setdefault(code, rec["name"])

    def check(self, code: str, attrs: dict[str, Any], row_no: int) -> str:
        hits = self.index.find(name=attrs.get("name"), tax_id=attrs.get("tax_id"), phones=[attrs.get("phone")],
                               exclude=code)
        self._add(code, attrs)
        return "; ".join(describe_match(h.ident, self.names.get(h.ident, ""), h.reasons, self.locale)
                         for h in hits)


def _duplicate_index(kind: r.Kind, ctx, existing: dict[str, dict[str, Any]]) -> _DuplicateIndex | None:
    if kind.name not in ("customer", "supplier"):
        return None
    return _DuplicateIndex(kind, ctx.session, ctx.company_id, existing, ctx.actor.locale)


# --- writing --------------------------------------------------------------------------------------------------

def _prepare_category_tree(kind: r.Kind, table: Table, mapping: dict, lookups: r.Lookups,
                           existing: dict[str, dict[str, Any]], report: ImportReport) -> None:
    """Categories may name a parent that appears elsewhere in the same file: such parents get a negative
    placeholder id now and their real id after the inserts (_link_parents). Cycles are refused."""
    col_of = {m[1].key: i for i, m in mapping.items() if m[0] == "col"}
    if "parent" not in col_of:
        return
    codes: dict[str, tuple[int, str | None]] = {}
    for n, cells in enumerate(table.rows):
        try:
            code = parsers.code(40)(cells[col_of["code"]])
            parent = parsers.code(40)(cells[col_of["parent"]])
        except CellError:
            continue  # reported by the row check
        if code:
            codes.setdefault(code, (n + 2, parent))
    known = lookups._load(_tree_ref(kind))
    for i, code in enumerate(c for c in codes if c not in known):
        known[code] = -(i + 1)
    id_to_code = {v: k for k, v in known.items()}
    parent_of = {code: id_to_code.get(rec.get("parent_id")) for code, rec in existing.items()}
    parent_of.update({code: parent for code, (_row, parent) in codes.items()})
    for code, (row_no, _parent) in codes.items():
        seen, node = set(), code
        while node is not None and node not in seen:
            seen.add(node)
            node = parent_of.get(node)
            if node == code:
                report.problems.append(ImportProblem(row_no, table.headers[col_of["parent"]], _parent,
                                                     kind.extra.get("cycle_error",
                                                                    "error.masterdata.category_cycle")))
                break


def _link_parents(kind: r.Kind, conn, company_id: int, pending: list[tuple[str, int]], placeholders) -> None:
    if not pending:
        return
    t = kind.model.__table__
    ids = {c: i for c, i in conn.execute(select(t.c.code, t.c.id).where(t.c.company_id == company_id))}
    conn.execute(update(t).where(t.c.id == bindparam("_id")).values(parent_id=bindparam("_parent")),
                 [{"_id": ids[code], "_parent": ids[placeholders[ph]]} for code, ph in pending])


def _write(kind: r.Kind, ctx, plan: _Plan, progress: Progress | None) -> None:
    table = kind.model.__table__
    total = len(plan.inserts) + len(plan.updates)
    done = 0
    conn = ctx.session.connection()
    pending: list[tuple[str, int]] = []  # (category code, placeholder parent id)
    if _tree_ref(kind):
        for rows in (plan.inserts, plan.updates):
            for row in rows:
                if (row.get("parent_id") or 0) < 0:
                    pending.append((row["code"] if "code" in row else None, row["parent_id"]))
                    row["parent_id"] = None
    for start in range(0, len(plan.inserts), BATCH):
        chunk = plan.inserts[start:start + BATCH]
        conn.execute(insert(table), chunk)
        done += len(chunk)
        if progress:
            progress("write", done, total)
    if plan.updates:
        keys = sorted(k for k in plan.updates[0] if k != "_id")
        stmt = (update(table).where(table.c.id == bindparam("_id"))
                .values({**{k: bindparam(k) for k in keys}, "version": table.c.version + 1}))
        for start in range(0, len(plan.updates), BATCH):
            chunk = plan.updates[start:start + BATCH]
            conn.execute(stmt, chunk)
            done += len(chunk)
            if progress:
                progress("write", done, total)
    if pending:
        _link_parents(kind, conn, ctx.company_id, pending, plan.placeholders or {})


def dry_run(kind: r.Kind, ctx, table: Table, progress: Progress | None = None) -> ImportReport:
    """Check every row and report every problem; writes nothing."""
    return _check(kind, ctx, table, progress).report


def commit(kind: r.Kind, ctx, table: Table, progress: Progress | None = None, *,
           confirm_duplicates: bool = False) -> ImportReport:
    """Check again and write every row in this unit of work, or nothing at all."""
    plan = _check(kind, ctx, table, progress)
    if plan.report.problems:
        raise ImportFailed(plan.report)
    dup_warnings = [w for w in plan.report.warnings if w.message_id == "import.warning.duplicate"]
    if dup_warnings and not confirm_duplicates:
        raise DuplicatesNotConfirmed(plan.report)
    try:
        _write(kind, ctx, plan, progress)
    except IntegrityError as exc:  # someone saved one of these codes meanwhile: nothing is written
        raise Conflict("error.masterdata.concurrent_duplicate") from exc
    plan.report.committed = True
    ctx.audit(f"{kind.name}_import", None, file=table.filename, rows=plan.report.rows,
              created=plan.report.created, updated=plan.report.updated)
    return plan.report
