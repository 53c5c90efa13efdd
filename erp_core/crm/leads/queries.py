"""Reading leads within the actor's row scope (common.lead_condition): the list with filters (also the pool
view), one lead with its follow-ups and owner history, duplicate candidates, the export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, exists, func, literal_column, select

from erp_core.crm import common as c
from erp_core.crm.leads import search as search_mod
from erp_core.crm.leads.duplicates import find_lead_duplicates, visible_matches
from erp_core.crm.leads.search import and_gram, gram_table, text_search
from erp_core.crm.models import CrmFollowup, CrmLead, CrmOwnerHistory, CrmPool
from erp_core.crm.pools.recycle import recycle_due_date
from erp_core.kernel.actor import Scope
from erp_core.masterdata.duplicates import phone_key
from erp_core.usecase import Context, query

COLUMNS = ("id", "company_name", "contact_name", "phone", "tax_id", "region", "industry", "source", "status",
           "lost_reason", "owner_id", "pool_id", "last_followup_at", "created_at")


# the pager counts at most this many leads: past it the page says "10,000+" (capped=True) instead of counting a
# million rows on every rerun; a filter narrows the list to an exact count again
COUNT_CAP = 10_000
# a common gram with a filter: this many of the newest leads of each side are read to choose which drives
SAMPLE = 1_000


@dataclass
class LeadPage:
    rows: list[dict[str, Any]]
    total: int  # exact, or COUNT_CAP when capped (there are more)
    page: int
    page_size: int
    capped: bool = False


def _filtered(ctx: Context, *, status: str | None = None, source: str | None = None, region: str | None = None,
              pool_id: int | None = None, owner: str | int | None = None, search: str | None = None):
    """(The scoped statement, the id column that orders it newest first). "mine" and "pool" narrow the row scope
    to one simple condition each (own leads; unowned leads of my pools), so the database uses one index instead
    of an OR over two.

    Which index reads it (1 M leads, bench/bench_crm.py): a search drives by its ids (phone key; the FTS5 index;
    the gram table's key range, whose lead ids are the order — search.py; a common gram with a filter may leave
    the driving to the filter's index: _gram_drives), an owner filter by ix_crm_lead_scope, everything else by the "newest first" indexes (company, live, then source / status, then id) that stop after
    the page. PostgreSQL and MariaDB keep statistics and choose so by themselves; SQLite has none unless ANALYZE
    ran, and then prefers any index that gives the order: there the terms that must not pick the index are
    written with SQLite's unary ``+`` (same rows, no index use). Every search is complete: no "newest N" bound."""
    found, drives, gram = None, False, None  # the search's condition; whether it drives by its ids; its gram
    if search and search.strip():
        s = search.strip()
        key = phone_key(s) if sum(ch.isdigit() for ch in s) >= 7 else None
        if key:  # a phone number: the indexed key, in any of its written forms
            found = CrmLead.id.in_(select(CrmLead.id).where(CrmLead.company_id == ctx.company_id,
                                                            CrmLead.phone_key.in_((key, "0" + key)))
                                   .scalar_subquery())
            drives = True
        else:  # company or contact name contains s: the backend's text index (leads/search.py)
            how = text_search(ctx.session, ctx.company_id, s)
            found, drives, gram = how.cond, how.drives, how.gram
    order = CrmLead.id
    filters = {"status": status, "source": source, "region": region, "pool_id": pool_id, "owner": owner}
    if gram is not None and _gram_drives(ctx, gram, filters):  # the gram's key range drives, newest first
        # "+ 0": PostgreSQL, guessing ~50,000 leads for any gram not among its most common, would otherwise merge-join
        # with crm_lead's primary key read backwards — the whole table when the one match is the oldest lead
        stmt = select(CrmLead).select_from(gram_table).join(CrmLead, CrmLead.id == gram_table.c.lead_id + 0).where(
            and_gram(ctx.company_id, gram))
        order, drives = gram_table.c.lead_id, True
    else:
        stmt = select(CrmLead)
        if gram is not None:  # the filter's leads, each checked for the gram by primary key
            stmt = stmt.where(exists().where(and_gram(ctx.company_id, gram), gram_table.c.lead_id == CrmLead.id))
    stmt = stmt.where(*_conditions(ctx, drives=drives, **filters))
    if found is not None:
        stmt = stmt.where(found)
    return stmt, order


def _conditions(ctx: Context, *, drives: bool, status: str | None, source: str | None, region: str | None,
                pool_id: int | None, owner: str | int | None) -> list:
    """The WHERE terms of the row scope and the filters (no search). ``drives``: a search's ids drive the
    statement, so on SQLite the company term must not pick an index (unary ``+``)."""
    sqlite = ctx.session.get_bind().dialect.name == "sqlite"
    by_owner = owner == "mine" or isinstance(owner, int)
    company = (literal_column("+crm_lead.company_id", Integer) == ctx.company_id if sqlite and drives
               else CrmLead.company_id == ctx.company_id)
    live = (literal_column("+crm_lead.merged_into", Integer).is_(None) if sqlite and by_owner and not drives
            else CrmLead.merged_into.is_(None))
    out = [company, live]
    wide = ctx.actor.is_system or ctx.actor.scope(ctx.permission) is Scope.ALL
    if owner == "mine":
        out.append(CrmLead.owner_id == ctx.actor.user_id)
    elif owner == "pool":
        out.append(CrmLead.owner_id.is_(None))
        if not wide:
            out.append(CrmLead.pool_id.in_(c.my_pool_ids(ctx.session, ctx.actor.user_id) or [0]))
    else:
        cond = c.lead_condition(ctx)  # the row scope (common.scoped_leads, with the company terms above)
        if cond is not None:
            out.append(cond)
        if isinstance(owner, int):
            out.append(CrmLead.owner_id == owner)
    if status == "open":
        out.append(CrmLead.status.in_(("new", "contacted", "qualified")))
    elif status:
        out.append(CrmLead.status == status)
    if source:
        out.append(CrmLead.source == source)
    if region:
        out.append(CrmLead.region == region)
    if pool_id is not None:
        out.append(CrmLead.pool_id == pool_id)
    return out


def _gram_drives(ctx: Context, gram: str, filters: dict[str, Any]) -> bool:
    """Whether the gram's key range should drive the list (else the filters' index does, the gram checked per
    lead). A rare gram (fewer than RARE_CAP leads) or no filter: the gram. Otherwise a common gram ("线", in every
    lead) meets a filter that may keep few of its leads ("lost", one owner) — walking the gram's million entries
    for them is what must not happen — so both are sampled: of the filter's newest SAMPLE leads, how many have the
    gram; of the gram's newest SAMPLE leads, how many pass the filter; the side whose sample matched more (fewer
    rows read per match) drives. A filter with fewer than SAMPLE leads in all drives at once."""
    has_filter = any(v is not None and v != "" for v in filters.values())
    if not has_filter or search_mod.gram_count(ctx.session, ctx.company_id, gram) < search_mod.RARE_CAP:
        return True
    by_filter = select(CrmLead.id).where(*_conditions(ctx, drives=False, **filters)).order_by(
        CrmLead.id.desc()).limit(SAMPLE).subquery()
    if ctx.session.execute(select(func.count()).select_from(by_filter)).scalar_one() < SAMPLE:
        return False
    with_gram = ctx.session.execute(select(func.count()).select_from(by_filter).where(
        exists().where(and_gram(ctx.company_id, gram), gram_table.c.lead_id == by_filter.c.id))).scalar_one()
    newest = select(gram_table.c.lead_id).where(and_gram(ctx.company_id, gram)).order_by(
        gram_table.c.lead_id.desc()).limit(SAMPLE).subquery()
    passing = ctx.session.execute(select(func.count()).select_from(newest).join(
        CrmLead, CrmLead.id == newest.c.lead_id).where(*_conditions(ctx, drives=True, **filters))).scalar_one()
    return passing >= with_gram


def _row(lead: CrmLead) -> dict[str, Any]:
    out = {k: getattr(lead, k) for k in COLUMNS}
    out["version"] = lead.version
    out["warned"] = lead.recycle_warned_at is not None
    return out


@query("crm.lead.view", zh="查看线索", en="View leads")
def list_leads(ctx: Context, *, page: int = 1, page_size: int = 50, count: bool = True,
               **filters: Any) -> LeadPage:
    """Leads in scope, newest first. Filters: status ("open" = not converted/lost), source, region, pool_id,
    owner ("mine" / "pool" / a user id), search (company, phone, contact). The total is exact up to COUNT_CAP;
    past it the page is ``capped`` (total = COUNT_CAP: "10,000+")."""
    stmt, order = _filtered(ctx, **filters)
    page_size = max(1, min(int(page_size), 500))
    offset = (max(page, 1) - 1) * page_size
    # the page's ids first, then their rows: an order the index does not give (an owner's 20,000 leads) then sorts
    # ids read from the index instead of whole rows read from the table
    ids = list(ctx.session.execute(stmt.with_only_columns(CrmLead.id).order_by(order.desc())
                                   .offset(offset).limit(page_size)).scalars())
    rows = ctx.session.execute(select(CrmLead).where(CrmLead.id.in_(ids)).order_by(CrmLead.id.desc())
                               ).scalars().all() if ids else []
    capped = False
    if not count:
        total = -1
    elif len(rows) < page_size and (rows or offset == 0):
        # the last page is in hand: the total is known without counting (a search that matches a few leads or
        # none — a text search, a scan at 1 M leads — then reads the table once instead of twice)
        total = offset + len(rows)
    else:
        # counted up to the cap: the inner LIMIT stops the count after COUNT_CAP + 1 matching index entries
        total = ctx.session.execute(select(func.count()).select_from(
            stmt.with_only_columns(CrmLead.id).limit(COUNT_CAP + 1).subquery())).scalar_one()
        if total > COUNT_CAP:
            total, capped = COUNT_CAP, True
    return LeadPage([_row(r) for r in rows], total, page, page_size, capped)


@query("crm.lead.view", zh="查看线索", en="View leads")
def get_lead(ctx: Context, *, lead_id: int) -> dict[str, Any]:
    """One lead (NotFound outside the actor's scope) with its follow-ups, owner history and recycle date."""
    from erp_core.crm.followups.services import followup_row

    lead = c.load_lead(ctx, lead_id)
    out = _row(lead)
    out["remarks"] = lead.remarks
    out["customer_id"], out["opportunity_id"] = lead.customer_id, lead.opportunity_id
    out["followups"] = [followup_row(f) for f in ctx.session.execute(
        select(CrmFollowup).where(CrmFollowup.company_id == ctx.company_id, CrmFollowup.subject_type == "lead",
                                  CrmFollowup.subject_id == lead.id).order_by(CrmFollowup.at.desc())).scalars()]
    out["history"] = [{"reason": h.reason, "from_owner_id": h.from_owner_id, "to_owner_id": h.to_owner_id,
                       "from_pool_id": h.from_pool_id, "to_pool_id": h.to_pool_id, "by_user_id": h.by_user_id,
                       "at": h.at} for h in ctx.session.execute(
        select(CrmOwnerHistory).where(CrmOwnerHistory.lead_id == lead.id)
        .order_by(CrmOwnerHistory.at, CrmOwnerHistory.id)).scalars()]
    pool = ctx.session.get(CrmPool, lead.pool_id) if lead.pool_id else None
    out["recycle_at"] = recycle_due_date(pool, lead) if pool is not None and lead.owner_id else None
    return out


@query("crm.lead.view", zh="查看线索", en="View leads")
def lead_duplicates(ctx: Context, *, values: dict[str, Any] | None = None, lead_id: int | None = None
                    ) -> list[dict[str, Any]]:
    """Leads that look like ``values`` (company_name, phone, tax_id) or like lead ``lead_id``; only those in the
    actor's scope are named (others are counted in one anonymous row, so nobody learns another's lead)."""
    if lead_id is not None:
        lead = c.load_lead(ctx, lead_id)
        values = {"company_name": lead.company_name, "phone": lead.phone, "tax_id": lead.tax_id}
    values = values or {}
    matches = find_lead_duplicates(ctx.session, ctx.company_id, company_name=values.get("company_name"),
                                   phone=values.get("phone"), tax_id=values.get("tax_id"), except_id=lead_id)
    return visible_matches(ctx, matches)


@query("crm.lead.convert", zh="线索转化", en="Convert lead")
def conversion_candidates(ctx: Context, *, lead_id: int) -> list[dict[str, Any]]:
    """Customers that look like the lead (master-data duplicate rule): shown before converting, so the user
    links one instead of creating a duplicate."""
    from erp_core.masterdata.models_partners import Customer
    from erp_core.masterdata.partners import find_duplicates

    lead = c.load_lead(ctx, lead_id)
    return find_duplicates(ctx.session, ctx.company_id, {"name": lead.company_name, "tax_id": lead.tax_id,
                                                          "phone": lead.phone}, None, Customer,
                           locale=ctx.actor.locale)


EXPORT_HEADERS = ("编号", "公司名称", "联系人", "电话", "税号", "地区", "行业", "来源", "状态", "丢失原因",
                  "负责人ID", "公海池ID", "最近跟进", "创建时间")


@query("crm.lead.export", zh="导出线索", en="Export leads")
def export_leads(ctx: Context, **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the leads in scope (same filters as list_leads), for the Excel / CSV writer."""
    stmt, order = _filtered(ctx, **filters)
    rows = ctx.session.execute(stmt.order_by(order)).scalars().all()
    return list(EXPORT_HEADERS), [[getattr(r, k) for k in COLUMNS] for r in rows]
