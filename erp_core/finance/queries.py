"""Read side of the chart of accounts and vouchers. Every read is narrowed to the actor's company and scope
(vouchers: own records below scope ALL; the chart is company reference data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import exists, select

from erp_core.db.like import contains, starts_with
from erp_core.finance.models import Account, FinanceSetting, Voucher, VoucherLine, voucher_display_no
from erp_core.kernel.errors import NotFound
from erp_core.masterdata.models import Company
from erp_core.security.scope import company_rows, scoped
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class AccountRow:
    id: int
    code: str
    name: str
    name_en: str
    level: int
    parent_id: int | None
    category: str
    direction: str
    is_leaf: bool
    aux: str
    status: str
    version: int

    def label(self, locale: str = "zh_CN") -> str:
        return f"{self.code} {self.name_en if locale == 'en' and self.name_en else self.name}"


@query("finance.account.view", zh="查看会计科目", en="View chart of accounts")
def list_accounts(ctx: Context, *, postable_only: bool = False) -> list[AccountRow]:
    """The company's chart of accounts in code order (``postable_only``: active leaves, for voucher entry)."""
    stmt = company_rows(select(Account), ctx, company_col=Account.company_id)  # the chart is company-wide
    if postable_only:
        stmt = stmt.where(Account.is_leaf.is_(True), Account.status == "active")
    return [AccountRow(a.id, a.code, a.name, a.name_en, a.level, a.parent_id, a.category, a.direction,
                       a.is_leaf, a.aux, a.status, a.version)
            for a in ctx.session.execute(stmt.order_by(Account.code)).scalars()]


@dataclass(frozen=True)
class FinanceSettingsView:
    voucher_type_mode: str
    voucher_types: tuple[str, ...]
    code_scheme: str
    version: int | None
    taxpayer_type: str = "general"  # general (一般纳税人) | small (小规模纳税人)
    import_posting_allowed: bool = False  # imports may post without a second reviewer (admin's switch)
    books_start: dt.date | None = None  # the posted opening balances' date; no voucher is dated before it


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def finance_settings(ctx: Context) -> FinanceSettingsView:
    row = ctx.session.get(FinanceSetting, ctx.actor.company_id)
    if row is None:
        return FinanceSettingsView("single", ("记",), "4-2-2", None)
    return FinanceSettingsView(row.voucher_type_mode, row.voucher_types(), row.code_scheme, row.version,
                               row.taxpayer_type or "general", bool(row.import_posting_allowed), row.books_start)


@dataclass(frozen=True)
class VoucherRow:
    id: int
    voucher_type: str
    number: int
    period: str
    voucher_date: dt.date
    status: str
    total: Decimal
    summary: str
    attachments: int
    created_by_name: str
    reviewed_by_name: str | None
    posted_by_name: str | None
    reverses_id: int | None
    reversed_by_id: int | None
    source: str
    version: int

    @property
    def display_no(self) -> str:
        return voucher_display_no(self.voucher_type, self.number)


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def list_vouchers(ctx: Context, *, period: str | None = None, voucher_type: str | None = None,
                  status: str | None = None, account_code: str | None = None, text: str | None = None,
                  limit: int = 1000) -> list[VoucherRow]:
    """Vouchers matching the filters, newest period first, then type and number. ``account_code`` matches the
    account and its sub-accounts; ``text`` searches line summaries."""
    s = ctx.session
    stmt = scoped(select(Voucher), ctx, company_col=Voucher.company_id, owner_col=Voucher.created_by)
    if period:
        stmt = stmt.where(Voucher.period == period)
    if voucher_type:
        stmt = stmt.where(Voucher.voucher_type == voucher_type)
    if status:
        stmt = stmt.where(Voucher.status == status)
    line_conds = []
    if account_code:
        line_conds.append(VoucherLine.account_id.in_(
            select(Account.id).where(Account.company_id == ctx.actor.company_id,
                                     starts_with(Account.code, account_code.strip()))))
    if text:
        line_conds.append(contains(VoucherLine.summary, text.strip()))
    if line_conds:
        stmt = stmt.where(exists().where(VoucherLine.voucher_id == Voucher.id, *line_conds))
    stmt = stmt.order_by(Voucher.period.desc(), Voucher.voucher_type, Voucher.number).limit(limit)
    vouchers = s.execute(stmt).scalars().all()
    ids = [v.id for v in vouchers]
    first_summary: dict[int, str] = {}
    reversed_by: dict[int, int] = {}
    if ids:
        for vid, summary in s.execute(select(VoucherLine.voucher_id, VoucherLine.summary)
                                      .where(VoucherLine.voucher_id.in_(ids), VoucherLine.line_no == 1)):
            first_summary[vid] = summary
        for rid, orig in s.execute(select(Voucher.id, Voucher.reverses_id).where(Voucher.reverses_id.in_(ids))):
            reversed_by[orig] = rid
    return [VoucherRow(v.id, v.voucher_type, v.number, v.period, v.voucher_date, v.status, v.total,
                       first_summary.get(v.id, ""), v.attachments, v.created_by_name, v.reviewed_by_name,
                       v.posted_by_name, v.reverses_id, reversed_by.get(v.id), v.source, v.version)
            for v in vouchers]


@dataclass(frozen=True)
class LineView:
    line_no: int
    summary: str
    account_id: int
    account_code: str
    account_name: str
    debit: Decimal
    credit: Decimal
    dims: dict[str, int | None]


@dataclass(frozen=True)
class VoucherDetail:
    id: int
    company_name: str
    voucher_type: str
    number: int
    period: str
    voucher_date: dt.date
    attachments: int
    status: str
    total_debit: Decimal
    total_credit: Decimal
    created_by_name: str
    reviewed_by_name: str | None
    posted_by_name: str | None
    reverses_id: int | None
    reversed_by_id: int | None
    source: str
    version: int
    lines: list[LineView] = field(default_factory=list)

    @property
    def display_no(self) -> str:
        return voucher_display_no(self.voucher_type, self.number)


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def get_voucher(ctx: Context, *, voucher_id: int) -> VoucherDetail:
    """One voucher with its lines (account code and name), for the detail, edit and print views."""
    s = ctx.session
    v = s.execute(scoped(select(Voucher).where(Voucher.id == voucher_id), ctx, company_col=Voucher.company_id,
                         owner_col=Voucher.created_by)).scalar_one_or_none()
    if v is None:
        raise NotFound(entity="voucher", id=voucher_id)
    accounts = {a.id: a for a in s.execute(select(Account).where(
        Account.id.in_([ln.account_id for ln in v.lines] or [0]))).scalars()}
    locale = ctx.actor.locale
    lines = []
    for ln in v.lines:
        acc = accounts[ln.account_id]
        lines.append(LineView(ln.line_no, ln.summary, acc.id, acc.code, _full_name(s, acc, accounts, locale),
                              ln.debit, ln.credit,
                              {d: getattr(ln, d) for d in ("department_id", "project_id", "customer_id",
                                                           "supplier_id", "employee_id", "product_id")}))
    company = s.get(Company, v.company_id)
    reversed_by = s.execute(select(Voucher.id).where(Voucher.reverses_id == v.id)).scalar_one_or_none()
    return VoucherDetail(v.id, company.name if company else "", v.voucher_type, v.number, v.period,
                         v.voucher_date, v.attachments, v.status, sum((x.debit for x in lines), Decimal(0)),
                         sum((x.credit for x in lines), Decimal(0)), v.created_by_name, v.reviewed_by_name,
                         v.posted_by_name, v.reverses_id, reversed_by, v.source, v.version, lines)


def _full_name(s, acc: Account, cache: dict[int, Account], locale: str) -> str:
    """'应交税费—应交增值税—销项税额': the names of the account and its ancestors."""
    names, cur = [], acc
    while cur is not None:
        names.append(cur.name_en if locale == "en" and cur.name_en else cur.name)
        if cur.parent_id is None:
            break
        if cur.parent_id not in cache:
            cache[cur.parent_id] = s.get(Account, cur.parent_id)
        cur = cache[cur.parent_id]
    return "—".join(reversed(names))


@dataclass(frozen=True)
class GapRow:
    voucher_type: str
    period: str
    count: int
    max_number: int
    missing: list[int]
    unposted: int


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def voucher_gaps(ctx: Context, *, period: str | None = None) -> list[GapRow]:
    """断号报告: per type and period, the numbers missing between 1 and the highest number used. Series are
    summarized in SQL; numbers are fetched only for the series that have gaps."""
    from sqlalchemy import case, func

    s = ctx.session
    unposted = func.sum(case((Voucher.status != "posted", 1), else_=0))
    stmt = scoped(select(Voucher.voucher_type, Voucher.period, func.count(), func.max(Voucher.number), unposted),
                  ctx, company_col=Voucher.company_id)
    if period:
        stmt = stmt.where(Voucher.period == period)
    out = []
    for vtype, per, count, top, open_ in s.execute(stmt.group_by(Voucher.voucher_type, Voucher.period)
                                                   .order_by(Voucher.period, Voucher.voucher_type)):
        missing: list[int] = []
        if count < top:
            used = set(s.execute(select(Voucher.number).where(
                Voucher.company_id == ctx.actor.company_id, Voucher.voucher_type == vtype,
                Voucher.period == per)).scalars())
            missing = [n for n in range(1, top + 1) if n not in used]
        out.append(GapRow(vtype, per, count, top, missing, int(open_ or 0)))
    return out


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def voucher_type_choices(ctx: Context) -> tuple[str, ...]:
    """The voucher types new vouchers may use (记, or 收/付/转)."""
    row = ctx.session.get(FinanceSetting, ctx.actor.company_id)
    return row.voucher_types() if row is not None else ("记",)




DIMENSION_TABLES = {"customer_id": "customer", "supplier_id": "supplier", "department_id": "department",
                    "project_id": "project", "employee_id": "employee", "product_id": "product"}
# How each dimension's records narrow under a row scope: (department column, project column, owner column) by
# name. Products are the company's reference data (like the chart of accounts): every holder sees them all.
DIMENSION_SCOPE = {"customer": ("department_id", None, "owner_id"), "supplier": ("department_id", None, "owner_id"),
                   "department": ("id", None, None), "project": ("department_id", "id", None),
                   "employee": ("department_id", None, None)}


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def dimension_choices(ctx: Context, *, limit: int = 5000) -> dict[str, dict[int, str]]:
    """For voucher entry: dimension column -> {id: "code name"} of the records the actor may see (customers,
    suppliers, departments, projects and employees narrowed by the row scope of the grant, like their own lists;
    products are company reference data), up to ``limit`` each."""
    from erp_core.db.models import metadata

    out: dict[str, dict[int, str]] = {}
    for column, name in DIMENSION_TABLES.items():
        table = metadata.tables.get(name)
        if table is None or not {"id", "code", "name", "company_id"} <= set(table.c.keys()):
            out[column] = {}
            continue
        stmt = select(table.c.id, table.c.code, table.c.name).order_by(table.c.code).limit(limit)
        if name in DIMENSION_SCOPE:
            dep, proj, owner = (table.c[c] if c else None for c in DIMENSION_SCOPE[name])
            stmt = scoped(stmt, ctx, company_col=table.c.company_id, department_col=dep, project_col=proj,
                          owner_col=owner)
        else:
            stmt = company_rows(stmt, ctx, company_col=table.c.company_id)
        out[column] = {i: f"{code} {nm}" for i, code, nm in ctx.session.execute(stmt)}
    return out
