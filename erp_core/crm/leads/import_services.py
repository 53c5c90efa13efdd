"""`erp import leads FILE` and the CRM exports (`erp export leads|opportunities|tickets`), registered with the
io registry (docs/formats.md "Leads").

Import: columns 公司名称* company_name, 联系人 contact_name, 电话 phone, 税号 tax_id, 地区 region, 行业 industry,
来源 source (website / phone / exhibition / referral / import / other, or the Chinese label; default import),
公海池 pool (a pool code: the lead goes unowned into that pool; empty: the importer owns it). The dry run checks
every row and reports, row by row, the problems and the likely duplicates (against existing leads and earlier
rows of the file, by phone, tax ID and company name); the commit writes all rows in one transaction or none,
and needs ``confirm_duplicates`` when any row looks like a duplicate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from erp_core.crm import common as c
from erp_core.crm.leads.duplicates import find_lead_duplicates, lead_keys
from erp_core.crm.models import LEAD_SOURCES, CrmLead, CrmOwnerHistory, CrmPool
from erp_core.i18n import t
from erp_core.io import parsers
from erp_core.io.importer import (
    DuplicatesNotConfirmed,
    ImportFailed,
    ImportProblem,
    ImportReport,
    Progress,
    Table,
    keyed_rows,
    map_columns,
)
from erp_core.usecase import Context, query, use_case

KIND = "leads"
COLUMNS = {
    "company_name": ("field.crm.company_name", ("公司", "客户名称", "company"), True),
    "contact_name": ("field.crm.contact_name", ("联系人姓名", "contact"), False),
    "phone": ("field.crm.phone", ("手机", "联系电话", "mobile"), False),
    "tax_id": ("field.crm.tax_id", ("统一社会信用代码", "纳税人识别号"), False),
    "region": ("field.crm.region", ("省份", "区域"), False),
    "industry": ("field.crm.industry", (), False),
    "source": ("field.crm.source", ("线索来源",), False),
    "pool": ("field.crm.pool", ("公海", "pool_code"), False),
}
LIMITS = {"company_name": 200, "contact_name": 100, "phone": 40, "tax_id": 20, "region": 60, "industry": 60}
EXAMPLE = {"company_name": "长沙星辰贸易有限公司", "contact_name": "张三", "phone": "13800000000",
           "tax_id": "", "region": "湖南", "industry": "批发", "source": "exhibition", "pool": ""}


def _source(value: Any) -> str | None:
    text = parsers.half_width(str(value)).strip() if not parsers.is_blank(value) else ""
    if not text:
        return "import"
    for code in LEAD_SOURCES:
        if text.lower() == code or text in (t(f"crm.source.{code}", "zh_CN"), t(f"crm.source.{code}", "en")):
            return code
    return None


def _run(ctx: Context, table: Table, progress: Progress | None) -> tuple[ImportReport, list[dict[str, Any]]]:
    report = ImportReport(kind=KIND, rows=len(table.rows))
    mapping = map_columns(COLUMNS, table, report)
    if report.problems:
        return report, []
    header_of = {key: table.headers[i] for i, key in mapping.items()}
    pools = dict(ctx.session.execute(select(CrmPool.code, CrmPool.id).where(
        CrmPool.company_id == ctx.company_id)).all())
    seen: dict[str, int] = {}  # key -> sheet row of the first row with it
    out: list[dict[str, Any]] = []
    rows = list(keyed_rows(table, mapping))
    for n, (row_no, raw) in enumerate(rows):
        if progress and n % 1000 == 0:
            progress("check", n, len(rows))
        rec: dict[str, Any] = {}
        bad = False
        for key, limit in LIMITS.items():
            v = raw.get(key)
            v = None if parsers.is_blank(v) else parsers.half_width(str(v)).strip() if key in ("phone", "tax_id") \
                else str(v).strip()
            if v is None and COLUMNS[key][2]:
                report.problems.append(ImportProblem(row_no, header_of.get(key, key), raw.get(key), "error.required"))
                bad = True
            elif v is not None and len(v) > limit:
                report.problems.append(ImportProblem(row_no, header_of[key], v, "error.too_long", {"max": limit}))
                bad = True
            rec[key] = v
        rec["source"] = _source(raw.get("source"))
        if rec["source"] is None:
            report.problems.append(ImportProblem(row_no, header_of["source"], raw.get("source"), "error.choice"))
            bad = True
        pool_code = None if parsers.is_blank(raw.get("pool")) else str(raw.get("pool")).strip()
        rec["pool_id"] = pools.get(pool_code) if pool_code else None
        if pool_code and rec["pool_id"] is None:
            report.problems.append(ImportProblem(row_no, header_of["pool"], pool_code, "error.crm.unknown_pool"))
            bad = True
        if bad:
            continue
        key, pkey = lead_keys(rec["company_name"], rec["phone"])
        rec["name_key"], rec["phone_key"] = key, pkey
        if rec["tax_id"]:
            rec["tax_id"] = rec["tax_id"].upper()
        for k in (f"n:{key}" if key else None, f"p:{pkey}" if pkey else None,
                  f"t:{rec['tax_id']}" if rec["tax_id"] else None):
            if k and k in seen:
                report.warnings.append(ImportProblem(row_no, header_of["company_name"], rec["company_name"],
                                                     "error.crm.import_duplicate_row", {"other": seen[k]},
                                                     warning=True))
                break
        for k in (f"n:{key}" if key else None, f"p:{pkey}" if pkey else None,
                  f"t:{rec['tax_id']}" if rec["tax_id"] else None):
            if k:
                seen.setdefault(k, row_no)
        matches = find_lead_duplicates(ctx.session, ctx.company_id, company_name=rec["company_name"],
                                       phone=rec["phone"], tax_id=rec["tax_id"])
        if matches:
            report.warnings.append(ImportProblem(row_no, header_of["company_name"], rec["company_name"],
                                                 "error.crm.import_duplicate", {"count": len(matches)},
                                                 warning=True))
        out.append(rec)
    return report, out


@query("crm.lead.import", zh="导入线索", en="Import leads")
def dry_run_leads(ctx: Context, table: Table, progress: Progress | None = None) -> ImportReport:
    """Leads from a file: check every row, report problems and likely duplicates row by row, write nothing."""
    return _run(ctx, table, progress)[0]


@use_case("crm.lead.import", zh="导入线索", en="Import leads")
def import_leads(ctx: Context, table: Table, progress: Progress | None = None, *,
                 confirm_duplicates: bool = False) -> ImportReport:
    """Write every row (all or nothing); rows that look like duplicates need ``confirm_duplicates``."""
    report, recs = _run(ctx, table, progress)
    if report.problems:
        raise ImportFailed(report)
    dup_warnings = [w for w in report.warnings if w.message_id.startswith("error.crm.import_duplicate")]
    if dup_warnings and not confirm_duplicates:
        raise DuplicatesNotConfirmed(report)
    at = c.now()
    user = ctx.actor.user_id
    dept = c.user_department(ctx.session, user)
    for chunk in range(0, len(recs), 1000):
        part = recs[chunk:chunk + 1000]
        leads = []
        for rec in part:
            owned = rec["pool_id"] is None
            lead = CrmLead(company_id=ctx.company_id, status="new", created_by=user, created_at=at, version=1,
                           owner_id=user if owned else None, department_id=dept if owned else None,
                           claimed_at=at if owned else None, last_followup_at=at if owned else None,
                           last_progress_at=at if owned else None, **{k: rec[k] for k in (
                               "company_name", "name_key", "contact_name", "phone", "phone_key", "tax_id",
                               "region", "industry", "source", "pool_id")})
            leads.append(lead)
        ctx.session.add_all(leads)
        ctx.session.flush()
        ctx.session.execute(insert(CrmOwnerHistory), [
            {"company_id": ctx.company_id, "lead_id": lead.id, "reason": "import", "from_owner_id": None,
             "to_owner_id": lead.owner_id, "from_pool_id": None, "to_pool_id": lead.pool_id, "by_user_id": user,
             "at": at} for lead in leads])
        if progress:
            progress("write", chunk + len(part), len(recs))
    report.created, report.committed = len(recs), True
    ctx.audit("crm_lead_import", None, file=table.filename, rows=report.rows, created=report.created)
    return report


def _sheet(name: str, headers: list[str], rows: list[list[Any]], fmt: str):
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    if fmt == "xlsx":
        return SheetFile(to_xlsx_bytes(headers, rows, sheet=name), f"{name}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(rows))
    return SheetFile(to_csv_bytes(headers, rows), f"{name}.csv", "text/csv", len(rows))


def lead_template(_db, _actor, *, fmt: str = "xlsx", locale: str | None = None):
    """Header row and one example row (reads no data)."""
    head = [t(f, locale) + ("*" if req else "") for f, _aliases, req in COLUMNS.values()]
    return _sheet("leads_template", head, [[EXAMPLE[k] for k in COLUMNS]], fmt)


@query("crm.lead.export", zh="导出线索", en="Export leads")
def export_leads_file(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **filters: Any):
    """The leads in the actor's scope as a file (formula-injection safe writer)."""
    from erp_core.crm.leads.queries import export_leads

    headers, rows = export_leads.__wrapped__(ctx, **filters)
    return _sheet("leads", headers, rows, fmt)


@query("crm.opportunity.export", zh="导出商机", en="Export opportunities")
def export_opportunities_file(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **filters: Any):
    from erp_core.crm.opportunities.queries import export_opportunities

    headers, rows = export_opportunities.__wrapped__(ctx, **filters)
    return _sheet("opportunities", headers, rows, fmt)


@query("crm.ticket.export", zh="导出工单", en="Export tickets")
def export_tickets_file(ctx: Context, *, fmt: str = "csv", locale: str | None = None, **filters: Any):
    from erp_core.crm.service.queries import export_tickets

    headers, rows = export_tickets.__wrapped__(ctx, **filters)
    return _sheet("tickets", headers, rows, fmt)


def _register() -> None:
    from erp_core.io.registry import ExportKind, ImportKind, register, register_export

    register(ImportKind(name="leads", label="crm.import.leads", permission="crm.lead.import",
                        dry_run=dry_run_leads, commit=import_leads, template=lead_template,
                        confirms_duplicates=True, export=export_leads_file, export_permission="crm.lead.export",
                        order=300))
    register_export(ExportKind(name="opportunities", export=export_opportunities_file,
                               permission="crm.opportunity.export", order=310))
    register_export(ExportKind(name="tickets", export=export_tickets_file, permission="crm.ticket.export",
                               order=320))


_register()
