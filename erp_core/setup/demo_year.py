"""The demo company's year of activity: master records and twelve months of vouchers ending with the current
month, every one through the real use cases (the accountant 李会计 prepares, the head of accounting 周主管
reviews and posts: 制单、审核、记账 by two demo accountants, never the administrator created in the setup wizard;
the warehouse keeper, the buyer and the HR officer enter their master records, the administrator the rest; the accountant closes each finished month with the period-close service, which posts the VAT transfer,
surcharges and carry-forward, and at year end the transfer to 利润分配). The current month stays open with a few
drafts and reviewed vouchers.

Deterministic: amounts come from a seeded ``random.Random`` and are exact Decimals; only the dates follow the
clock (erp_core.kernel.clock), so the last month is always the current one.

    build_demo_year(db, company_id=..., admin_user_id=...)  # after run_setup(..., load_demo=True) committed
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from sqlalchemy import select

from erp_core.db.uow import Database
from erp_core.finance.close_services import close_period, movement
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.kernel.actor import Actor
from erp_core.kernel.clock import utcnow
from erp_core.kernel.money import round_money
from erp_core.ledger.posting import post_voucher
from erp_core.masterdata import items_services, partners_services
from erp_core.masterdata.employees_services import create_employee
from erp_core.masterdata.models import Company, Department, Project
from erp_core.masterdata.warehouse_services import create_warehouse
from erp_core.security.models import User
from erp_core.security.sessions import build_actor
from erp_core.setup import demo_data as data
from erp_core.setup.demo_cost import cost_period
from erp_core.setup.demo_hr import DemoHr, pay_salaries, payroll_month, remit, setup_demo_hr
from erp_core.setup.demo_payments import pay_supplier
from erp_core.setup.demo_purchasing import INVOICE_AFTER_DAYS, DemoPurchases
from erp_core.setup.demo_sales import DemoSales

SEED = 20260101
ACCOUNTANT = "li.kuaiji"  # prepares (制单)
REVIEWER = "zhou.zhuguan"  # reviews and posts (审核、记账): demo.USERS
STAFF = ("chen.cangguan", "zhao.caigou", "liu.renshi")  # enter the warehouses, suppliers, employees
VAT = Decimal("0.13")
RENT_VAT = Decimal("0.09")
CAPITAL = Decimal("3000000.00")
SEASON_MONTHS = (12, 1, 2)  # 年货 season: sales booked on the project 年货节促销
# A trading company's year in Hunan (sales volume by calendar month): the 年货 (gift food and tea) peak before the
# Spring Festival, the holiday month's dip, a quiet summer, 中秋 / 国庆 gifts and the fourth-quarter run-up.
SEASON = {1: Decimal("1.30"), 2: Decimal("0.70"), 3: Decimal("0.85"), 4: Decimal("0.90"), 5: Decimal("1.00"),
          6: Decimal("0.90"), 7: Decimal("0.85"), 8: Decimal("0.85"), 9: Decimal("1.05"), 10: Decimal("1.10"),
          11: Decimal("1.15"), 12: Decimal("1.35")}
# A month's sales (excl. VAT) aim at MONTHLY_SALES x SEASON x a few per cent either way; they are shared among the
# month's invoices by the customer's size (its credit limit against SIZE_UNIT, within SIZE_RANGE), so supermarket
# chains buy more than corner shops. With the products' gross margin of about 30 % this covers rent, salaries and
# the rest with a net margin of roughly 5-12 % over the year (tests/integration/test_demo_company.py). Since the
# payroll runs post the employer's 社保/公积金 as well as the salaries (about 2.35 M a year), 1.25 M a month.
MONTHLY_SALES = Decimal("1250000")
SIZE_UNIT, SIZE_RANGE = Decimal("450000"), (Decimal("0.35"), Decimal("1.60"))
SEASON_PROJECT, STORE_PROJECT = "P2026-02", "P2026-01"  # demo.PROJECTS (the shop rent goes to 湘江新区门店开业)
# The vouchers below name 小企业会计准则 codes; under 企业会计准则 these accounts have other codes.
ENTERPRISE_CODES = {"3001": "4001", "5001": "6001", "5401": "6401", "5601": "6601", "5602": "6602", "5603": "6603"}


@dataclass
class DemoSummary:
    periods: list[str] = field(default_factory=list)  # oldest first; all but the last are closed
    closed: list[str] = field(default_factory=list)
    posted: int = 0
    reviewed: int = 0
    drafts: int = 0
    customers: dict[str, int] = field(default_factory=dict)  # code -> id
    suppliers: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    employees: dict[str, int] = field(default_factory=dict)
    warehouses: dict[str, int] = field(default_factory=dict)


def months_ending(today: dt.date, count: int = 12) -> list[tuple[int, int]]:
    """(year, month) of the ``count`` months ending with ``today``'s month, oldest first."""
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _period(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _actor(db: Database, user_id: int) -> Actor:
    with db.uow(readonly=True) as uow:
        return build_actor(uow.session, uow.session.get(User, user_id), session_id=None, client_ip="127.0.0.1")


def _line(code: str, *, debit: Decimal | None = None, credit: Decimal | None = None, summary: str,
          **dims: int) -> dict:
    return {"account_code": code, "debit": debit or Decimal(0), "credit": credit or Decimal(0),
            "summary": summary, **dims}


class _Books:
    """Creates vouchers through the use cases: preparer -> reviewer -> post (or stops earlier)."""

    def __init__(self, db: Database, preparer: Actor, reviewer: Actor, summary: DemoSummary,
                 codes: dict[str, str]) -> None:
        self.db, self.preparer, self.reviewer, self.summary, self.codes = db, preparer, reviewer, summary, codes

    def voucher(self, day: dt.date, lines: list[dict], *, attachments: int = 1, stop: str = "posted") -> int:
        lines = [{**ln, "account_code": self.codes.get(ln["account_code"], ln["account_code"])} for ln in lines]
        vid = create_voucher(self.db, self.preparer, voucher_date=day, lines=lines, attachments=attachments)
        if stop == "draft":
            self.summary.drafts += 1
            return vid
        review_voucher(self.db, self.reviewer, voucher_id=vid)
        if stop == "reviewed":
            self.summary.reviewed += 1
            return vid
        post_voucher(self.db, self.reviewer, voucher_id=vid)
        self.summary.posted += 1
        return vid


def _master_records(db: Database, admin: Actor, rng: Random, summary: DemoSummary, start: dt.date,
                    staff: dict[str, Actor]) -> None:
    """Each record is entered by the demo user whose work it is (warehouses: the warehouse keeper, suppliers: the
    buyer, employees: the HR officer); what no demo role may create (products, and customers of both sales
    departments) by the administrator."""
    for code, name, address, keeper in data.WAREHOUSES:
        summary.warehouses[code] = create_warehouse(db, staff["chen.cangguan"], code=code, name=name,
                                                    address=address, keeper=keeper)
    for code, name, parent in data.CATEGORIES:
        items_services.create_category(db, admin, values={"code": code, "name": name, "parent": parent})
    for code, name, spec, unit, cat, _cost, _price in data.PRODUCTS:
        summary.products[code] = items_services.create_product(db, admin, values={
            "code": code, "name": name, "specification": spec, "unit": unit, "category": cat, "tax_rate": "VAT13",
            "costing_method": "moving_average", "reorder_point": "20", "reorder_quantity": "100",
            "barcode": f"69{rng.randrange(10**11):011d}"})
    for code, name, contact, district, address, limit, terms, dep in data.CUSTOMERS:
        city = data.CUSTOMER_CITY_BY_CODE.get(code, data.CUSTOMER_CITY[dep])
        summary.customers[code] = partners_services.create_customer(db, admin, values={
            "code": code, "name": name, "tax_id": data.tax_id(rng, city[:4] + district), "contact_name": contact,
            "phone": data.mobile(rng), "address": "湖南省" + address, "credit_limit": limit,
            "payment_terms_days": terms, "owner": "wang.xiaoshou", "department": dep}, confirm_duplicates=True)
    for code, name, contact, region, address in data.SUPPLIERS:
        summary.suppliers[code] = partners_services.create_supplier(db, staff["zhao.caigou"], values={
            "code": code, "name": name, "tax_id": data.tax_id(rng, region[:4] + "00"), "contact_name": contact,
            "phone": data.landline(rng), "address": "湖南省" + address, "credit_limit": "0",
            "payment_terms_days": 30, "owner": "zhao.caigou", "department": "PUR"}, confirm_duplicates=True)
    for code, name, dep, position, _salary in data.EMPLOYEES:
        hired = start - dt.timedelta(days=rng.randrange(60, 2000))
        summary.employees[code] = create_employee(db, staff["liu.renshi"], values={
            "code": code, "name": name, "department": dep, "position": position, "phone": data.mobile(rng),
            "hire_date": hired})


def _department_ids(db: Database, company_id: int) -> dict[str, int]:
    """Department code -> id, and the demo projects under the keys "project:<code>"."""
    with db.uow(readonly=True) as uow:
        deps = dict(uow.session.execute(select(Department.code, Department.id).where(
            Department.company_id == company_id)).all())
        projects = uow.session.execute(select(Project.code, Project.id).where(
            Project.company_id == company_id)).all()
    return {**deps, **{f"project:{code}": pid for code, pid in projects}}


def _project(deps: dict[str, int], code: str) -> dict[str, int]:
    pid = deps.get(f"project:{code}")
    return {"project_id": pid} if pid else {}


_CREDIT = {c[0]: c[5] for c in data.CUSTOMERS}


def _owed(db: Database, company_id: int, codes: list[str], upto: str) -> dict[str, Decimal]:
    """Credit balances (amounts owed) of the given accounts at the end of ``upto``."""
    with db.uow(readonly=True) as uow:
        return {c: -movement(uow.session, company_id, [c], upto=upto) for c in codes}


def _month(books: _Books, db: Database, company_id: int, rng: Random, summary: DemoSummary, y: int, m: int, *,
           first: bool, last_day: int, prev: dict, deps: dict[str, int], hr: DemoHr) -> dict:
    """Post one month's business up to ``last_day`` (in date order, so voucher numbers follow the dates);
    returns what the next month settles."""
    month_end = calendar.monthrange(y, m)[1]
    pending: list[tuple[dt.date, int, list[dict], dict]] = []

    def day(d: int) -> dt.date | None:
        d = min(d, month_end)
        return dt.date(y, m, d) if d <= last_day else None

    def post(d: int, lines: list[dict], **kw) -> None:
        when = day(d)
        if when is not None:
            pending.append((when, len(pending), lines, kw))

    if first:
        post(1, [_line("1002", debit=CAPITAL, summary="收到股东投资款"),
                 _line("3001", credit=CAPITAL, summary="收到股东投资款")], attachments=2)
    # settle last month: salaries, receivables, payables, VAT and surcharges
    if prev.get("payroll"):  # last month's payroll run: net pay on the 10th, 社保/公积金/个税 on the 15th
        post(10, [], payroll=lambda when, p=prev["payroll"]: pay_salaries(hr, p, when))
        post(15, [], payroll=lambda when, p=prev["payroll"]: remit(hr, p, when))
    open_items: list[tuple[int, Decimal, int]] = []  # (kept for the month's return value; receipts below)
    # (收到货款: 收款单 against the sales invoices a month after the sale, the slow payers two or three months
    # after: erp_core/setup/demo_billing.py, called after the month's sales)
    for sup_id in sorted(prev.get("payable", {})):  # 付款单 settling last month's invoices (erp_core/settlement)
        post(14, [], pay=sup_id)
    if prev.get("period"):
        taxes = {c: a for c, a in _owed(db, company_id, ["222102", "222103", "222104", "222105"],
                                        prev["period"]).items() if a > 0}
        if taxes:
            total = sum(taxes.values(), Decimal(0))
            post(15, [*(_line(c, debit=a, summary="缴纳上月增值税及附加税费") for c, a in taxes.items()),
                      _line("1002", credit=total, summary="缴纳上月增值税及附加税费")], attachments=3)
    # rent: shop (销售费用) and office (管理费用), 9 % VAT special invoices
    for acc, dep, net, text in (("5601", "SALES", Decimal("18000.00"), "门店租金"),
                                ("5602", "GM", Decimal("12000.00"), "办公室租金")):
        vat = round_money(net * RENT_VAT)
        store = _project(deps, STORE_PROJECT) if acc == "5601" else {}
        post(3, [_line(acc, debit=net, summary=f"支付{m}月{text}", department_id=deps[dep], **store),
                 _line("22210101", debit=vat, summary=f"{text}进项税额"),
                 _line("1002", credit=net + vat, summary=f"支付{m}月{text}")])
    # sales on account (13 % output VAT), the cost of the goods carried with each sale (perpetual inventory,
    # so a month's result is right on any day, the open month's too)
    season = SEASON[m]
    target = MONTHLY_SALES * season * (Decimal("0.95") + Decimal(rng.randrange(0, 11)) / 100)
    customers = list(summary.customers.items())
    plan = []
    for i in range(int(6 * season) + rng.randrange(0, 2)):  # busier months have more sales, not only bigger ones
        # every month one sale goes to a slow payer, so the aging report always has older amounts to show
        code = rng.choice(sorted(data.SLOW_PAYERS)) if i == 1 else rng.choice(customers)[0]
        size = min(max(Decimal(_CREDIT[code]) / SIZE_UNIT, SIZE_RANGE[0]), SIZE_RANGE[1])
        lines = [(p, rng.randrange(40, 260) * size) for p in rng.sample(data.PRODUCTS, rng.randrange(2, 5))]
        plan.append((i, code, lines, 3 + i * 3 + rng.randrange(0, 3)))
    scale = target / sum((q * data.price(p[6]) for _i, _c, lines, _d in plan for p, q in lines), Decimal(0))
    # The goods this month's sales take are bought and received on the 1st (and invoiced a few days later), so the
    # stock never runs out; each sale's goods then leave the warehouse through a sales order and its delivery
    # (销售订单 -> 销售出库单, Dr 5401 / Cr 1405: erp_core/setup/demo_sales.py).
    needed: dict[str, int] = defaultdict(int)
    for _i, _code, lines, d in plan:
        if day(d) is not None:
            for p, q in lines:
                needed[p[0]] += max(1, int(q * scale))
    if needed:  # and a fifth more: the warehouse keeps some stock (the stocktake and transfers of the open month)
        sup_id = rng.choice(list(summary.suppliers.values()))
        post(1, [], receive=(sup_id, {code: qty + (qty + 4) // 5 for code, qty in needed.items()}, m % 3))
        post(1 + INVOICE_AFTER_DAYS, [], invoice=(sup_id, day(1), m % 3))
    for _i, code, lines, d in plan:
        cust_id = summary.customers[code]
        qtys = [(p, max(1, int(q * scale))) for p, q in lines]
        if day(d) is None:
            continue
        dep_code = next(c[7] for c in data.CUSTOMERS if c[0] == code)
        # revenue, output VAT and the receivable: the sales invoice of the delivery (demo_billing, after the month)
        post(d, [], sell=(cust_id, [(p[0], qty, data.price(p[6])) for p, qty in qtys], deps[dep_code],
                          _project(deps, SEASON_PROJECT).get("project_id") if m in SEASON_MONTHS else None))
    payable: dict[int, Decimal] = defaultdict(Decimal)
    # utilities (13 % VAT) and bank charges
    power = Decimal(rng.randrange(380000, 720000)) / 100
    vat = round_money(power * VAT)
    post(20, [_line("5602", debit=power, summary="支付电费", department_id=deps["GM"]),
              _line("22210101", debit=vat, summary="电费进项税额"),
              _line("1002", credit=power + vat, summary="支付电费")])
    charges = Decimal(rng.randrange(3500, 18000)) / 100
    post(26, [_line("5603", debit=charges, summary="银行手续费"),
              _line("1002", credit=charges, summary="银行手续费")], attachments=1)
    # month end: the payroll run (erp_core/setup/demo_hr.py) computed, locked and posted: its accrual voucher
    # books the salaries by department through the one posting path (the current month's run stays a draft)
    payroll_period = _period(y, m) if day(month_end) is not None else None
    post(month_end, [], payroll=lambda when: payroll_month(hr, _period(y, m), close=True))
    for when, _, lines, kw in sorted(pending, key=lambda p: p[:2]):
        if "receive" in kw:
            books.purchases.receive_quantities(when, *kw["receive"])
        elif "sell" in kw:  # 销售订单 -> 销售出库单 (erp_core/sales): the goods leave at cost, Dr 5401 / Cr 1405
            books.sales.maybe_return(when, books.sales.sell(when, *kw["sell"]))
        elif "invoice" in kw:
            sup_id, received, n = kw["invoice"]
            payable[sup_id] += books.purchases.invoice(when, received, n)
        elif "pay" in kw:
            pay_supplier(db, books.preparer, partner_id=kw["pay"], on=when, invoiced_before=dt.date(y, m, 1))
        elif "payroll" in kw:
            kw["payroll"](when)
        else:
            books.voucher(when, lines, **kw)
    return {"payroll": payroll_period, "open_items": open_items, "payable": dict(payable),
            "period": _period(y, m)}


def _open_work(books: _Books, summary: DemoSummary, today: dt.date, rng: Random, deps: dict[str, int]) -> None:
    """The current month's unfinished work: two drafts and two reviewed vouchers dated today."""
    cust = summary.customers["C005"]
    sup = summary.suppliers["S010"]
    net = Decimal("6500.00")
    books.voucher(today, [_line("1122", debit=net + round_money(net * VAT), summary="销售湘莲礼盒", customer_id=cust),
                          _line("5001", credit=net, summary="销售湘莲礼盒", department_id=deps["SALES-N"]),
                          _line("22210102", credit=round_money(net * VAT), summary="销项税额")], stop="draft")
    books.voucher(today, [_line("5602", debit=Decimal("860.00"), summary="购买办公用品", department_id=deps["HR"]),
                          _line("1002", credit=Decimal("860.00"), summary="购买办公用品")], stop="draft")
    water = Decimal("4250.00")
    books.voucher(today, [_line("1405", debit=water, summary="采购桶装水"),
                          _line("22210101", debit=round_money(water * VAT), summary="进项税额"),
                          _line("220201", credit=water + round_money(water * VAT), summary="采购桶装水",
                                supplier_id=sup)], stop="reviewed")
    fuel = Decimal(rng.randrange(120000, 260000)) / 100
    books.voucher(today, [_line("5601", debit=fuel, summary="配送车辆加油费", department_id=deps["WH"]),
                          _line("1002", credit=fuel, summary="配送车辆加油费")], stop="reviewed")


def local_today(db: Database, company_id: int) -> dt.date:
    with db.uow(readonly=True) as uow:
        tz = uow.session.get(Company, company_id).time_zone or "Asia/Shanghai"
    return utcnow().astimezone(zoneinfo.ZoneInfo(tz)).date()


def _account_codes(db: Database, company_id: int) -> dict[str, str]:
    with db.uow(readonly=True) as uow:
        standard = uow.session.get(Company, company_id).accounting_standard
    return ENTERPRISE_CODES if standard == "enterprise" else {}


def build_demo_year(db: Database, *, company_id: int, admin_user_id: int, seed: int = SEED,
                    progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Create the demo company's master records and its year of vouchers (see the module docstring). Runs after
    the setup use case committed the company, its administrator and the demo users."""
    rng = Random(seed)
    summary = DemoSummary()
    today = local_today(db, company_id)
    months = months_ending(today)
    summary.periods = [_period(y, m) for y, m in months]
    admin = _actor(db, admin_user_id)
    with db.uow(readonly=True) as uow:
        ids = dict(uow.session.execute(select(User.username, User.id).where(
            User.company_id == company_id, User.username.in_((ACCOUNTANT, REVIEWER, *STAFF)))).all())
    accountant, reviewer = _actor(db, ids[ACCOUNTANT]), _actor(db, ids[REVIEWER])
    _master_records(db, admin, rng, summary, dt.date(*months[0], 1), {u: _actor(db, ids[u]) for u in STAFF})
    deps = _department_ids(db, company_id)
    hr = setup_demo_hr(db, company_id=company_id, employees=summary.employees, periods=summary.periods, today=today)
    books = _Books(db, accountant, reviewer, summary, _account_codes(db, company_id))
    books.purchases = DemoPurchases(db, company_id, {u: _actor(db, ids[u]) for u in STAFF}, accountant, admin,
                                    summary.products, summary.warehouses)
    books.sales = DemoSales.for_company(db, company_id, admin, summary.products,
                                        summary.warehouses[data.WAREHOUSES[0][0]], _actor)
    prev: dict = {}
    for i, (y, m) in enumerate(months):
        current = i == len(months) - 1
        last_day = today.day if current else calendar.monthrange(y, m)[1]
        prev = _month(books, db, company_id, rng, summary, y, m, first=i == 0, last_day=last_day, prev=prev,
                      deps=deps, hr=hr)
        _billing(db, accountant, y, m, last_day, summary,  # issue #13: invoices, receipts of the month's deliveries
                 late_return=books.sales.late_return)
        if current:
            payroll_month(hr, _period(y, m), close=False)  # this month's payroll: a draft
        if not current:
            cost_period(db, accountant, _period(y, m))  # 成本计算 before closing, when the month moved stock
            close_period(db, accountant, period=_period(y, m))
            summary.closed.append(_period(y, m))
        if progress:
            progress(_period(y, m))
    _open_work(books, summary, today, rng, deps)
    books.purchases.requisitions(today, deps.get("PUR"), next(iter(summary.suppliers.values())))  # 请购单
    _stockops(db, company_id, admin, ids, today, summary, deps)
    from erp_core.setup.demo_crm import build_demo_crm  # issue #15: the CRM year (leads, pools, tickets)
    build_demo_crm(db, admin=admin, customers=summary.customers, start=dt.date(*months[0], 1), today=today, rng=rng)
    return summary


def _billing(db: Database, accountant: Actor, y: int, m: int, last_day: int, summary: DemoSummary,
             late_return=None) -> None:
    """The month's sales invoices and receipts over its deliveries (erp_core/setup/demo_billing.py); twice a
    year goods come back after their invoice (``late_return``: DemoSales.late_return) and get a red invoice."""
    from erp_core.setup.demo_billing import DemoBilling, build_demo_billing

    summary.__dict__.setdefault("billing", DemoBilling())
    slow = {summary.customers[code]: months for code, months in data.SLOW_PAYERS.items()}
    build_demo_billing(db, accountant, year=y, month=m, last_day=last_day, out=summary.__dict__["billing"],
                       slow=slow, late_return=late_return)


def _stockops(db: Database, company_id: int, admin: Actor, ids: dict[str, int], today: dt.date,
              summary: DemoSummary, deps: dict[str, int]) -> None:
    """The current month's inventory work (erp_core/setup/demo_stockops.py)."""
    from erp_core.setup.demo_stockops import build_demo_stockops

    build_demo_stockops(db, company_id=company_id, admin=admin, keeper=_actor(db, ids["chen.cangguan"]),
                        approver_id=ids[REVIEWER], today=today, products=summary.products,
                        warehouses=summary.warehouses, departments=deps,
                        costs=[(c, Decimal(cost)) for c, _n, _s, _u, _cat, cost, _p in data.PRODUCTS])
