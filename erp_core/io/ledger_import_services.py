"""Import of the chart of accounts and of opening balances (期初余额), through the ledger's own rules.

Accounts: upsert by code with the finance module's create/update rules (code scheme, parent exists, parent not
used, names, category, direction, auxiliary dimensions), rows applied parents first. Opening balances: every row
is one line of ONE opening voucher (account balances, and open receivables / payables as lines on 1122 / 2202
etc. carrying the customer or supplier code), posted through the ledger's posting API with an idempotency key
derived from the date and the file content, so importing the same file twice posts once.

The dry run executes exactly the same steps inside a read transaction that is always rolled back, so it reports
precisely what the commit would refuse (every row's problems, nothing written). Stock on hand per warehouse is
not importable yet: it needs the inventory module's stock moves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select

from erp_core.i18n import has, t
from erp_core.io import parsers
from erp_core.io.importer import (
    ImportFailed,
    ImportProblem,
    ImportReport,
    Progress,
    Table,
    keyed_rows,
    map_columns,
)
from erp_core.io.parsers import CellError
from erp_core.kernel.errors import DomainError, ValidationError, ValidationErrors
from erp_core.usecase import Context, query, use_case

_AUX_NAMES = {"customer": "customer", "客户": "customer", "supplier": "supplier", "供应商": "supplier",
              "department": "department", "部门": "department", "project": "project", "项目": "project",
              "employee": "employee", "职员": "employee", "员工": "employee", "product": "product",
              "商品": "product", "存货": "product"}
_DIRECTIONS = {"debit": "debit", "借": "debit", "借方": "debit", "credit": "credit", "贷": "credit",
               "贷方": "credit"}
_CATEGORIES = {"asset": "asset", "资产": "asset", "liability": "liability", "负债": "liability",
               "common": "common", "共同": "common", "equity": "equity", "所有者权益": "equity", "权益": "equity",
               "cost": "cost", "成本": "cost", "profit_loss": "profit_loss", "损益": "profit_loss"}

ACCOUNT_COLUMNS = {  # key: (catalog field, aliases, required)
    "code": ("field.ledgerimport.account_code", ("科目编码", "科目代码", "编码", "account_code"), True),
    "name": ("field.ledgerimport.account_name", ("科目名称", "名称", "account_name"), True),
    "name_en": ("field.ledgerimport.name_en", ("英文名称", "english name"), False),
    "category": ("field.ledgerimport.category", ("类别", "科目类别"), False),
    "direction": ("field.ledgerimport.direction", ("余额方向", "方向"), False),
    "aux": ("field.ledgerimport.aux", ("辅助核算", "auxiliary"), False),
    "frozen": ("field.ledgerimport.frozen", ("冻结",), False),
}
OPENING_COLUMNS = {
    "account_code": ("field.ledgerimport.account_code", ("科目编码", "科目代码", "科目"), True),
    "summary": ("field.ledgerimport.summary", ("摘要",), False),
    "debit": ("field.ledgerimport.debit", ("借方", "期初借方", "借方余额"), False),
    "credit": ("field.ledgerimport.credit", ("贷方", "期初贷方", "贷方余额"), False),
    "customer": ("field.ledgerimport.customer", ("客户", "客户编码"), False),
    "supplier": ("field.ledgerimport.supplier", ("供应商", "供应商编码"), False),
    "department": ("field.ledgerimport.department", ("部门", "部门编码"), False),
    "project": ("field.ledgerimport.project", ("项目", "项目编码"), False),
    "employee": ("field.ledgerimport.employee", ("职员", "职员编码", "员工"), False),
    "product": ("field.ledgerimport.product", ("商品", "商品编码", "存货"), False),
}


def _errors(exc: DomainError) -> list[DomainError]:
    return list(exc.errors) if isinstance(exc, ValidationErrors) else [exc]


def _problem(row: int | None, err: DomainError, header_of: dict[str, str], field_to_key: dict[str, str],
             raw: dict[str, Any], locale: str) -> ImportProblem:
    field = err.params.get("field")
    key = field_to_key.get(field or "", "")
    column = header_of.get(key) or (t(field, locale) if field and has(field) else (field or "-"))
    return ImportProblem(row, column, raw.get(key), err.message_id, dict(err.params))


# --- accounts -------------------------------------------------------------------------------------------------

def _run_accounts(ctx: Context, table: Table, progress: Progress | None) -> ImportReport:
    from erp_core.finance import account_services as acs
    from erp_core.finance.models import Account
    from erp_core.security.scope import require_company_wide

    require_company_wide(ctx)  # the chart of accounts is the whole company's: no row scope narrows it

    report = ImportReport(kind="account", rows=len(table.rows))
    mapping = map_columns(ACCOUNT_COLUMNS, table, report)
    if report.problems:
        return report
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    field_to_key = {"field.finance.account.code": "code", "field.finance.account.name": "name",
                    "field.finance.account.name_en": "name_en", "field.finance.account.category": "category",
                    "field.finance.account.direction": "direction", "field.finance.account.aux": "aux"}
    rows = list(keyed_rows(table, mapping))
    seen: dict[str, int] = {}
    parsed = []
    for row_no, raw in rows:
        values: dict[str, Any] = {}
        bad = False
        for key, parse in (("code", parsers.text(40)), ("name", parsers.text(100)), ("name_en", parsers.text(200)),
                           ("category", parsers.choice(_CATEGORIES)), ("direction", parsers.choice(_DIRECTIONS)),
                           ("frozen", parsers.boolean())):
            try:
                values[key] = parse(raw.get(key))
            except CellError as err:
                report.problems.append(ImportProblem(row_no, header_of.get(key, key), raw.get(key),
                                                     err.message_id, dict(err.params)))
                bad = True
        aux_raw = parsers.half_width(str(raw.get("aux") or "")).replace("，", ",").replace("、", ",")
        aux = [_AUX_NAMES.get(a.strip().casefold(), a.strip()) for a in aux_raw.split(",") if a.strip()]
        values["aux"] = ",".join(aux)
        code = values.get("code")
        if code and code in seen:
            report.problems.append(ImportProblem(row_no, header_of["code"], code, "error.import.duplicate_in_file",
                                                 {"other": seen[code]}))
            bad = True
        elif code:
            seen[code] = row_no
        if not bad:
            parsed.append((row_no, raw, values))
    # parents before children: shorter codes first, file order otherwise
    parsed.sort(key=lambda item: (len(item[2].get("code") or ""), item[0]))
    existing = {a.code: a for a in ctx.session.execute(
        select(Account).where(Account.company_id == ctx.company_id)).scalars()}
    for n, (row_no, raw, v) in enumerate(parsed):
        if progress and n % 200 == 0:
            progress("check", n, len(parsed))
        try:
            acc = existing.get(v["code"] or "")
            if acc is None:
                new_id = acs.create_account.__wrapped__(ctx, code=v["code"] or "", name=v["name"] or "",
                                                        name_en=v["name_en"] or "", category=v["category"],
                                                        direction=v["direction"], aux=v["aux"])
                acc = ctx.session.get(Account, new_id)
                existing[acc.code] = acc
                report.created += 1
            else:
                acs.update_account.__wrapped__(ctx, account_id=acc.id, version=acc.version, name=v["name"] or "",
                                               name_en=v["name_en"] if "name_en" in mapping.values()
                                               else acc.name_en, aux=v["aux"] if "aux" in mapping.values()
                                               else acc.aux, direction=v["direction"])
                report.updated += 1
            if v.get("frozen") is not None and (acc.status == "frozen") != v["frozen"]:
                acs.set_account_frozen.__wrapped__(ctx, account_id=acc.id, frozen=v["frozen"])
        except DomainError as exc:
            for err in _errors(exc):
                report.problems.append(_problem(row_no, err, header_of, field_to_key, raw, ctx.actor.locale))
    ctx.session.flush()
    return report


@query("finance.account.import", zh="导入会计科目", en="Import chart of accounts")
def dry_run_accounts(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    """Apply the file inside this read transaction (always rolled back) and report every problem."""
    return _run_accounts(ctx, table, progress)


@use_case("finance.account.import", zh="导入会计科目", en="Import chart of accounts")
def import_accounts(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    report = _run_accounts(ctx, table, progress)
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("account_import", None, file=table.filename, rows=report.rows, created=report.created,
              updated=report.updated)
    return report


# --- opening balances -----------------------------------------------------------------------------------------

def _dimension_ids(ctx: Context) -> dict[str, dict[str, int]]:
    from erp_core.masterdata.models import Department, Project
    from erp_core.masterdata.models_employees import Employee
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer, Supplier

    out = {}
    for key, model in (("customer", Customer), ("supplier", Supplier), ("department", Department),
                       ("project", Project), ("employee", Employee), ("product", Product)):
        out[key] = {c: i for c, i in ctx.session.execute(select(model.code, model.id).where(
            model.company_id == ctx.company_id))}
    return out


def _run_opening(ctx: Context, table: Table, opening_date: dt.date | None,
                 progress: Progress | None) -> tuple[ImportReport, int | None]:
    from erp_core.finance.accounts import finance_setting
    from erp_core.security.scope import require_company_wide

    require_company_wide(ctx)  # one opening voucher for the whole company, every department's lines in it
    from erp_core.finance.voucher_rules import is_empty_line
    from erp_core.ledger.posting import create_and_post_system_voucher

    report = ImportReport(kind="opening_balance", rows=len(table.rows))
    mapping = map_columns(OPENING_COLUMNS, table, report)
    if opening_date is None:
        report.problems.append(ImportProblem(None, t("field.ledgerimport.opening_date", ctx.actor.locale), None,
                                             "error.required"))
    if report.problems:
        return report, None
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    dims = _dimension_ids(ctx)
    lines: list[dict[str, Any]] = []
    line_rows: list[tuple[int, dict[str, Any]]] = []
    for row_no, raw in keyed_rows(table, mapping):
        line: dict[str, Any] = {"account_code": parsers.half_width(str(raw.get("account_code") or "")).strip(),
                                "summary": str(raw.get("summary") or t("ledgerimport.opening_summary",
                                                                       ctx.actor.locale)).strip(),
                                "debit": raw.get("debit"), "credit": raw.get("credit")}
        for dim, codes in dims.items():
            value = raw.get(dim)
            if parsers.is_blank(value):
                continue
            ident = codes.get(parsers.half_width(str(value)).strip())
            if ident is None:
                report.problems.append(ImportProblem(row_no, header_of.get(dim, dim), value,
                                                     "error.masterdata.unknown_ref", {"value": value}))
            line[f"{dim}_id"] = ident
        if is_empty_line(line):
            continue
        lines.append(line)
        line_rows.append((row_no, raw))
    if report.problems:
        return report, None
    field_to_key = {"field.finance.line.account": "account_code", "field.finance.line.summary": "summary",
                    "field.finance.line.debit": "debit", "field.finance.line.credit": "credit",
                    **{f"field.finance.dim.{d}": d for d in dims}}
    digest = hashlib.sha256(repr([(sorted((k, str(v)) for k, v in ln.items())) for ln in lines]).encode())
    key = f"opening:{opening_date.isoformat()}:{digest.hexdigest()[:32]}"
    # Maker-checker (不得自审) as for voucher import: the opening voucher is a draft that another user reviews and
    # posts, unless the company allows posting on import (a migration; audited setting).
    post = finance_setting(ctx.session, ctx.company_id).import_posting_allowed and ctx.actor.may(
        "finance.voucher.post")
    try:
        voucher_id = create_and_post_system_voucher(ctx, voucher_date=opening_date, lines=lines, posting_key=key,
                                                    source="opening", post=post)
    except DomainError as exc:
        for err in _errors(exc):
            line_no = err.params.get("line") if isinstance(err, ValidationError) else None
            row_no, raw = line_rows[line_no - 1] if line_no else (None, {})
            report.problems.append(_problem(row_no, err, header_of, field_to_key, raw, ctx.actor.locale))
        return report, None
    report.created = len(lines)
    if not post:
        from erp_core.finance.models import Voucher

        number = ctx.session.get(Voucher, voucher_id).display_no
        report.warnings.append(ImportProblem(None, "", None, "ledgerimport.opening_draft", {"number": number},
                                             warning=True))
    if progress:
        progress("write", len(lines), len(lines))
    return report, voucher_id


def _status(ctx: Context, voucher_id: int) -> str:
    from erp_core.finance.models import Voucher

    return ctx.session.get(Voucher, voucher_id).status


@query("finance.opening_balance.import", zh="导入期初余额", en="Import opening balances")
def dry_run_opening_balances(ctx: Context, table: Table, progress: Progress | None = None, *,
                             opening_date: dt.date | None = None) -> ImportReport:
    """Build and post the opening voucher inside this read transaction (always rolled back); report problems."""
    return _run_opening(ctx, table, opening_date, progress)[0]


@use_case("finance.opening_balance.import", zh="导入期初余额", en="Import opening balances")
def import_opening_balances(ctx: Context, table: Table, progress: Progress | None = None, *,
                            opening_date: dt.date | None = None) -> ImportReport:
    """One posted opening voucher dated ``opening_date`` with one line per row (idempotent per file content)."""
    report, voucher_id = _run_opening(ctx, table, opening_date, progress)
    if report.problems:
        raise ImportFailed(report)
    report.committed = True
    ctx.audit("opening_balance_import", voucher_id, file=table.filename, rows=report.rows, lines=report.created,
              posted=voucher_id is not None and _status(ctx, voucher_id) == "posted")
    return report


_EXAMPLES = {
    "accounts": {"code": "100201", "name": "工商银行长沙分行", "name_en": "ICBC Changsha", "category": "",
                 "direction": "", "aux": "", "frozen": ""},
    "opening-balances": {"account_code": "1122", "summary": "期初余额", "debit": "12000.00", "credit": "",
                         "customer": "C0001", "supplier": "", "department": "", "project": "", "employee": "",
                         "product": ""},
}


def template(kind: str, fmt: str = "xlsx", locale: str | None = None):
    """Header row (in ``locale``, required columns marked *) and one example row, for "accounts" or
    "opening-balances". Reads no data, so it needs no permission."""
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    columns = ACCOUNT_COLUMNS if kind == "accounts" else OPENING_COLUMNS
    head = [t(f, locale) + ("*" if req else "") for f, _aliases, req in columns.values()]
    row = [_EXAMPLES[kind][k] for k in columns]
    name = f"{kind}_template"
    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(head, [row], sheet=name), f"{name}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 1)
    return SheetFile(to_csv_bytes(head, [row]), f"{name}.csv", "text/csv", 1)


def _template_for(kind: str):
    def build(_db, _actor, *, fmt: str = "xlsx", locale: str | None = None):
        return template(kind, fmt, locale)

    return build


def _register() -> None:
    """Register accounts and opening balances with the import registry (page, `erp import`)."""
    from erp_core.io.registry import DATE_PARAM, ImportKind, register

    register(ImportKind(name="accounts", label="masterdata.import.accounts", permission=import_accounts.permission,
                        dry_run=dry_run_accounts, commit=import_accounts, template=_template_for("accounts"),
                        order=200))
    register(ImportKind(name="opening-balances", label="masterdata.import.opening_balances",
                        permission=import_opening_balances.permission, dry_run=dry_run_opening_balances,
                        commit=import_opening_balances, template=_template_for("opening-balances"),
                        params=(DATE_PARAM,), order=210))


_register()
