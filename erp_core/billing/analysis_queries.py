"""Sales analysis (销售分析) and the sales dashboard's figures, from posted sales invoices:

- revenue = the invoices' net amounts (red invoices negative), quantity = invoiced quantity;
- cost = for a line invoiced from a delivery, the delivery's issue cost of that product (its stock moves plus any
  costing-run corrections of them) per unit x the quantity invoiced; free and service lines have no cost;
- ``estimated``: a month-end-average product (月末一次加权平均) delivered in a period with no costing run yet (its
  cost is the provisional one until the run);
- dimensions: customer, product, salesperson (the customer's owner), region (the province or city at the start
  of the customer's address; "" when none), month (the invoice date's).

Both read the analytics copy (analytics/sales.py, synced incrementally like the open items); ``sales_lines`` /
``analysis_of`` / ``dashboard_figures_operational`` compute the same figures from the operational store and are
the reference the copy is tested against (tests/analytics/test_sales_copy.py). The analysis and the dashboard
apply the grant's row scope (a line is seen when its invoice's department / project / creator or its customer's
department / salesperson is within it; the dashboard's orders to ship by the same rule on the order and its
customer). The dashboard's figures are computed once per process per (database, company, year, change stamp,
row scope) by one caller while the others wait without a pooled connection (``DASHBOARD_KEPT``), and the page
keeps its drawing per browser session against the analytics as-of stamp (pages/sales/dashboard.py, issue #17).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import false, or_, select

from erp_core.billing.models import SalesInvoice, SalesInvoiceLine
from erp_core.documents.registry import document_type
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.kept import KeptFigures
from erp_core.kernel.money import round_money
from erp_core.settings.common import require_company
from erp_core.usecase import Context, query

ZERO = Decimal(0)
VIEW = ("sales.analysis.view", "查看销售分析", "View sales analysis")
DIMENSIONS = ("customer", "product", "salesperson", "region", "month")
_REGION = re.compile(r"^(.{2,3}?(省|自治区|市))")


def region_of(address: str | None) -> str:
    """The province (or municipality) an address starts with: 湖南省长沙市... -> 湖南省; 上海市... -> 上海市."""
    m = _REGION.match((address or "").strip())
    return m.group(1) if m else ""


def _delivery_costs(ctx: Context, company_id: int, delivery_ids: set[int]) -> dict[tuple[int, int], Decimal]:
    """(delivery id, product id) -> (quantity issued, its cost: stock moves and their costing corrections)."""
    from erp_core.costing.models import CostCorrection
    from erp_core.inventory.models import StockMove

    if not delivery_ids:
        return {}
    qty: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    amount: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    by_move: dict[int, tuple[int, int]] = {}
    for mid, sid, pid, q, a in ctx.session.execute(
            select(StockMove.id, StockMove.source_id, StockMove.product_id, StockMove.quantity, StockMove.amount)
            .where(StockMove.company_id == company_id, StockMove.source_type == "sales_delivery",
                   StockMove.source_id.in_(sorted(delivery_ids)))):
        key = (sid, pid)
        qty[key] += -Decimal(q)
        amount[key] += -Decimal(a)
        by_move[mid] = key
    if by_move:
        for target, a in ctx.session.execute(select(CostCorrection.target_move_id, CostCorrection.amount).where(
                CostCorrection.company_id == company_id, CostCorrection.target_move_id.in_(sorted(by_move)))):
            amount[by_move[target]] += -Decimal(a)
    return {k: (qty[k], amount[k]) for k in qty}


def visible(actor: Any, permission: str):
    """The reference path's row scope, the open-items rule (analytics.open_items.RowScope): a line is seen when its
    invoice (department, project, creator) or its customer (department, salesperson) is within the grant."""
    from erp_core.kernel.actor import Scope

    scope = actor.scope(permission)
    if actor.is_system or scope is Scope.ALL:
        return lambda inv, cust: True
    depts = set(actor.department_ids) if scope is Scope.DEPARTMENT else set()
    projects = set(actor.project_ids) if scope is Scope.PROJECT else set()
    uid = actor.user_id

    def seen(inv, cust) -> bool:
        if depts and (inv.department_id in depts or (cust is not None and cust.department_id in depts)):
            return True
        if projects and inv.project_id in projects:
            return True
        return uid is not None and (inv.created_by == uid or (cust is not None and cust.owner_id == uid))
    return seen


def sales_lines(ctx: Context, company_id: int, date_from: dt.date | None, date_to: dt.date | None,
                seen=None) -> list[dict[str, Any]]:
    """The operational reference path (the reports read the analytics copy, analytics/sales.py; tests compare
    the two): one row per posted invoice line in the period with its dimensions, revenue, cost and estimated
    flag, only the lines ``seen(invoice, customer)`` accepts (None: all)."""
    from erp_core.costing.models import CostingRun
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer
    from erp_core.security.models import User

    s = ctx.session
    stmt = (select(SalesInvoice, SalesInvoiceLine).join(SalesInvoiceLine, SalesInvoiceLine.header_id == SalesInvoice.id)
            .where(SalesInvoice.company_id == company_id, SalesInvoice.posted_at.is_not(None)))
    if date_from is not None:
        stmt = stmt.where(SalesInvoice.doc_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(SalesInvoice.doc_date <= date_to)
    customers = {c.id: c for c in s.execute(select(Customer).where(Customer.company_id == company_id)).scalars()}
    pairs = [(i, ln) for i, ln in s.execute(stmt).all() if seen is None or seen(i, customers.get(i.partner_id))]
    dt_ = document_type("sales_delivery")
    originals: dict[int, SalesInvoice] = {}

    def source(inv, ln):
        if inv.reverses_id is not None:  # a red copy made by reverse_document: lines negated, no source copied
            orig = originals.setdefault(inv.reverses_id, s.get(SalesInvoice, inv.reverses_id))
            return next((o for o in orig.lines if o.line_no == ln.line_no), ln)
        return ln
    sources = [source(i, ln) for i, ln in pairs]
    dl_ids = {sl.source_line_id for sl in sources if sl.source_type == "sales_delivery"}
    dlines = {d.id: (d.header_id, d.header.doc_date) for d in s.execute(
        select(dt_.line).where(dt_.line.id.in_(sorted(dl_ids)))).scalars()} if dl_ids else {}
    costs = _delivery_costs(ctx, company_id, {h for h, _ in dlines.values()})
    products = {p.id: p for p in s.execute(select(Product).where(Product.company_id == company_id)).scalars()}
    users = dict(s.execute(select(User.id, User.username)).all())
    runs = set(s.execute(select(CostingRun.period).where(CostingRun.company_id == company_id)).scalars())
    out = []
    for (inv, ln), src_ln in zip(pairs, sources, strict=True):
        sign = -1 if inv.red else 1
        qty = ln.ordered_qty * sign
        revenue = ln.amount * sign
        cost, estimated = ZERO, False
        product = products.get(ln.product_id)
        if src_ln.source_type == "sales_delivery" and src_ln.source_line_id in dlines:
            delivery_id, ship_date = dlines[src_ln.source_line_id]
            issued_qty, issued_amount = costs.get((delivery_id, ln.product_id), (ZERO, ZERO))
            # issue cost x quantity invoiced / quantity issued, rounded half up once (DESIGN.md: exact money)
            cost = round_money(issued_amount * qty / issued_qty) if issued_qty else ZERO
            estimated = product is not None and product.costing_method == "monthly_average" and \
                ship_date.strftime("%Y-%m") not in runs
        cust = customers.get(inv.partner_id)
        out.append({"month": inv.doc_date.strftime("%Y-%m"), "customer": f"{cust.code} {cust.name}" if cust else "",
                    "product": f"{product.code} {product.name}" if product else (ln.remarks or ""),
                    "salesperson": users.get(cust.owner_id, "") if cust else "",
                    "region": region_of(cust.address if cust else None), "quantity": qty, "revenue": revenue,
                    "cost": cost, "estimated": estimated})
    return out


def aggregate(lines: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    acc: dict[str, dict[str, Any]] = {}
    for r in lines:
        a = acc.setdefault(r[by], {"key": r[by], "quantity": ZERO, "revenue": ZERO, "cost": ZERO, "estimated": False})
        a["quantity"] += r["quantity"]
        a["revenue"] += r["revenue"]
        a["cost"] += r["cost"]
        a["estimated"] = a["estimated"] or r["estimated"]
    return finish(list(acc.values()))


def finish(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Margin and margin % of aggregated rows (key, quantity, revenue, cost, estimated)."""
    for a in rows:
        a["margin"] = a["revenue"] - a["cost"]
        a["margin_pct"] = (a["margin"] * 100 / a["revenue"]).quantize(Decimal("0.1")) if a["revenue"] else None
    return rows


def ordered(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Months in order, other dimensions by revenue, largest first (ties by key)."""
    return sorted(rows, key=(lambda r: r["key"]) if by == "month" else (lambda r: (-r["revenue"], r["key"])))


def _live_tables(session: Any, company_id: int) -> dict[str, Any]:
    """What the copy's figures read live at report time (it changes): customers (label, salesperson, region,
    department, owner), products (label, month-end-average costing) and the periods with a costing run."""
    import pyarrow as pa

    from erp_core.costing.models import CostingRun
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer
    from erp_core.security.models import User

    users = dict(session.execute(select(User.id, User.username)).all())
    cust = session.execute(select(Customer.id, Customer.code, Customer.name, Customer.owner_id, Customer.address,
                                  Customer.department_id).where(Customer.company_id == company_id)).all()
    prod = session.execute(select(Product.id, Product.code, Product.name, Product.costing_method)
                           .where(Product.company_id == company_id)).all()
    runs = list(session.execute(select(CostingRun.period).where(CostingRun.company_id == company_id)).scalars())
    ints = lambda v: pa.array([None if x is None else int(x) for x in v], pa.int64())  # noqa: E731
    return {
        "sa_customers": pa.table({"pid": ints([c[0] for c in cust]),
                                  "customer": pa.array([f"{c[1]} {c[2]}" for c in cust], pa.string()),
                                  "salesperson": pa.array([users.get(c[3], "") for c in cust], pa.string()),
                                  "region": pa.array([region_of(c[4]) for c in cust], pa.string()),
                                  "p_department": ints([c[5] for c in cust]), "p_owner": ints([c[3] for c in cust])}),
        "sa_products": pa.table({"product_id": ints([p[0] for p in prod]),
                                 "label": pa.array([f"{p[1]} {p[2]}" for p in prod], pa.string()),
                                 "monthly": pa.array([p[3] == "monthly_average" for p in prod], pa.bool_())}),
        "sa_runs": pa.table({"period": pa.array([str(r) for r in runs], pa.string())}),
    }


def analysis_from_copy(db: Any, company_id: int, bys: tuple[str, ...], date_from: dt.date | None,
                       date_to: dt.date | None, scope: Any = None) -> tuple[dict[str, list[dict[str, Any]]], Any]:
    """Aggregated rows per dimension in ``bys`` from the analytics copy (analytics/sales.py) within ``scope`` (an
    analytics.open_items.RowScope; None: the whole company), and the copy's as-of. The live tables are read first
    in a short unit of work of their own; no pooled connection is held while DuckDB works."""
    from erp_core.analytics import sales as asa
    from erp_core.analytics.engine import engine_for
    from erp_core.analytics.open_items import RowScope

    scope = scope or RowScope()
    with db.uow(readonly=True) as uow:
        tables = _live_tables(uow.session, company_id)
    params = {"company": company_id, "date_from": date_from or dt.date(1, 1, 1),
              "date_to": date_to or dt.date(9999, 12, 31)}
    inner = asa.lines_sql(scope.sql)
    out: dict[str, list[dict[str, Any]]] = {}
    with asa.reading(engine_for(db)) as snap:
        for by in bys:
            rows = asa.run(snap, f"SELECT {by} AS key, sum(qty)::HUGEINT, sum(revenue)::HUGEINT, "
                                 f"sum(cost)::HUGEINT, bool_or(estimated) FROM ({inner}) GROUP BY 1",
                           dict(params), scope.params, tables)
            out[by] = finish([{"key": k, "quantity": asa.qty(q), "revenue": asa.money(r), "cost": asa.money(c),
                               "estimated": bool(e)} for k, q, r, c, e in rows])
        as_of = snap.as_of
    return out, as_of


def analysis_of(ctx: Context, by: str, date_from: dt.date | None, date_to: dt.date | None,
                seen=None) -> list[dict[str, Any]]:
    """The reference figures of :func:`sales_analysis` from the operational store (tests compare the two)."""
    return ordered(aggregate(sales_lines(ctx, ctx.company_id, date_from, date_to, seen), by), by)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2], session=False)
def sales_analysis(ctx: Context, *, by: str = "customer", date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> list[dict[str, Any]]:
    """Sales by ``by`` (customer / product / salesperson / region / month): quantity, revenue, cost, gross margin
    and margin %, "estimated" when part of the cost awaits the month-end costing run. Months in order, other
    dimensions by revenue, largest first. Read from the analytics copy (analytics/sales.py) within the grant's
    row scope: a line is seen when its invoice (department, project, creator) or its customer (department,
    salesperson) is within it."""
    from erp_core.analytics.open_items import RowScope

    if by not in DIMENSIONS:
        raise ValidationError("error.choice", field="field.billing.analysis_by")
    rows, _ = analysis_from_copy(ctx.db, require_company(ctx), (by,), date_from, date_to,
                                 RowScope.of(ctx.actor, ctx.permission))
    return ordered(rows[by], by)


def reach(actor: Any, permission: str) -> tuple:
    """Who asks, as far as the dashboard's figures depend on it: () for the whole company (scope ALL, or the
    system), else (departments, projects, user id) as the row scope reads them (analytics.open_items.RowScope:
    the departments only under a department grant, the projects only under a project grant). Two actors with the
    same reach see exactly the same rows, so it is part of the kept figures' key and the only input of the
    orders-to-ship filter."""
    from erp_core.kernel.actor import Scope

    scope = actor.scope(permission)
    if actor.is_system or scope is Scope.ALL:
        return ()
    depts = tuple(sorted(int(i) for i in actor.department_ids)) if scope is Scope.DEPARTMENT else ()
    projects = tuple(sorted(int(i) for i in actor.project_ids)) if scope is Scope.PROJECT else ()
    return (depts, projects, None if actor.user_id is None else int(actor.user_id))


def _order_seen(who: tuple, h: Any, customer: Any):
    """The analysis rule on an order: seen when the order (department, project, creator) or its customer
    (department, salesperson) is within ``who`` (see :func:`reach`). None: the whole company."""
    if not who:
        return None
    depts, projects, uid = who
    parts = []
    if depts:
        parts += [h.department_id.in_(depts), customer.department_id.in_(depts)]
    if projects:
        parts.append(h.project_id.in_(projects))
    if uid is not None:
        parts += [h.created_by == uid, customer.owner_id == uid]
    return or_(*parts) if parts else false()


def _to_ship(ctx: Context, company_id: int, who: tuple = ()) -> dict[str, Any]:
    """Confirmed order lines not yet fully delivered, within ``who``: count and value (net price x quantity left).
    Read from the operational store: the analytics copy holds posted invoices and delivery costs, not orders
    (a confirmed order posts nothing)."""
    from erp_core.masterdata.models_partners import Customer

    t = document_type("sales_order")
    h, ln = t.header, t.line
    # Summed here from the columns' own values: SQL arithmetic on two scaled columns (left x price) yields their
    # stored integers multiplied (a 10^12 scale, shown as if it were yuan) and may overflow 64 bits.
    stmt = (select(ln.ordered_qty, ln.received_qty, ln.unit_price).join(h, h.id == ln.header_id)
            .where(h.company_id == company_id, h.status == "confirmed", ln.ordered_qty > ln.received_qty))
    cond = _order_seen(who, h, Customer)
    if cond is not None:
        stmt = stmt.outerjoin(Customer, Customer.id == h.partner_id).where(cond)
    rows = ctx.session.execute(stmt).all()
    return {"lines": len(rows), "amount": round_money(sum(((q - r) * p for q, r, p in rows), ZERO))}


def _to_ship_reference(ctx: Context, company_id: int, seen=None) -> dict[str, Any]:
    """:func:`_to_ship` computed in Python with ``seen(order, customer)`` (the reference tests compare with)."""
    from erp_core.masterdata.models_partners import Customer

    t = document_type("sales_order")
    customers = {c.id: c for c in ctx.session.execute(select(Customer).where(Customer.company_id == company_id))
                 .scalars()}
    left = [(ln.ordered_qty - ln.received_qty) * ln.unit_price
            for o in ctx.session.execute(select(t.header).where(t.header.company_id == company_id,
                                                                 t.header.status == "confirmed")).scalars()
            if seen is None or seen(o, customers.get(o.partner_id))
            for ln in o.lines if ln.ordered_qty > ln.received_qty]
    return {"lines": len(left), "amount": round_money(sum(left, ZERO))}


def _dashboard_of(lines_by: dict[str, list[dict[str, Any]]], year: int, to_ship: dict[str, Any]) -> dict[str, Any]:
    months = {r["key"]: r for r in lines_by["month"]}
    monthly = [{"period": f"{year}-{m:02d}", **{k: months.get(f"{year}-{m:02d}", {}).get(k, ZERO)
                                                for k in ("revenue", "cost", "margin")}} for m in range(1, 13)]
    top = {by: ordered(lines_by[by], by)[:10] for by in ("customer", "product")}
    return {"monthly": monthly, "top_customers": top["customer"], "top_products": top["product"],
            "to_ship": to_ship, "estimated": any(r["estimated"] for r in lines_by["month"])}


def _dashboard_figures(db, company_id: int, year: int, who: tuple = (), rows: Any = None) -> dict[str, Any]:
    """The dashboard's figures within ``who`` (:func:`reach`; ``rows``: the same as an analytics RowScope, None
    for the whole company): sales and margin from the analytics copy (analytics/sales.py), the orders to ship
    from the order lines (a current state, no ledger) in one short read-only unit of work of its own (its pooled
    connection is held only while reading, never while DuckDB works or while waiting)."""
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, None, VIEW[0], db, company_id=company_id)  # type: ignore[arg-type]
        to_ship = _to_ship(ctx, company_id, who)
    by, _ = analysis_from_copy(db, company_id, ("month", "customer", "product"), dt.date(year, 1, 1),
                               dt.date(year, 12, 31), rows)
    return _dashboard_of(by, year, to_ship)


def dashboard_figures_operational(db, company_id: int, year: int, seen=None) -> dict[str, Any]:
    """The same figures from the operational store, only what ``seen(document, customer)`` accepts (None: all;
    :func:`visible` gives an actor's): the reference the copy is tested against."""
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, None, VIEW[0], db, company_id=company_id)  # type: ignore[arg-type]
        lines = sales_lines(ctx, company_id, dt.date(year, 1, 1), dt.date(year, 12, 31), seen)
        to_ship = _to_ship_reference(ctx, company_id, seen)
    return _dashboard_of({by: aggregate(lines, by) for by in ("month", "customer", "product")}, year, to_ship)


# The dashboard's figures, kept once per process per (database, company, year, change stamp, row scope) and
# computed by one caller at a time (issue #17: 100 sessions' first runs each loaded a year of invoice lines while
# holding a pooled connection, and the pool ran dry). Two callers share kept figures only when they would see
# exactly the same rows: the key holds the caller's reach (whole company, or its departments / projects / user id
# as its grant reads them) and the row scope built from it, next to the company; sales_dashboard checks the
# permission BEFORE it looks here. A salesperson's own figures are thus never handed to another salesperson, nor
# the company's to a department. Callers get deep copies (the kept object is never handed out). Sized for a
# company's few dozen scoped readers per year and stamp; the least recently used goes first.
DASHBOARD_KEPT = KeptFigures(size=128)


@query(VIEW[0], zh=VIEW[1], en=VIEW[2], session=False)
def sales_dashboard(ctx: Context, *, year: int) -> dict[str, Any]:
    """The sales dashboard's figures for a year within the grant's row scope (the sales analysis's rule): sales
    and margin by month (all twelve), the top ten customers and products by revenue, and the orders still to
    ship. No pooled connection is held while waiting: the change stamp is read on a connection released at once,
    concurrent first runs of the same key wait (without a connection) for the one computing, then read its
    result."""
    from erp_core.analytics import stamps
    from erp_core.analytics.open_items import RowScope

    company_id = require_company(ctx)
    year = int(year)
    who = reach(ctx.actor, ctx.permission)
    rows = RowScope.of(ctx.actor, ctx.permission)
    stamp = stamps.current(ctx.db)  # read first: the figures are at least as new as the stamp they are kept with
    db = ctx.db
    return DASHBOARD_KEPT.get((db.engine, company_id, year, stamp, who, rows.sql, rows.params),
                              lambda: _dashboard_figures(db, company_id, year, who, rows))


@query(VIEW[0], zh=VIEW[1], en=VIEW[2], session=False)
def sales_as_of(ctx: Context) -> Any:
    """The analytics as-of stamp (the last posting included) for the sales dashboard: the page keeps the figures
    it read while the stamp is unchanged (every invoice, delivery and receipt posts, so moves it). Orders
    confirmed since (no posting) show at the next posting."""
    from erp_core.analytics.engine import engine_for

    if ctx.company_id is None:
        raise ValidationError("error.required", field="field.reports.company")
    return engine_for(ctx.db).stamp(ctx.company_id)
