"""VAT at period close (all backends through the ``db`` fixture), on worked examples with the expected vouchers:

- small-scale taxpayer (小规模纳税人): no 转出未交增值税; the VAT levied in the month stays credited to 222101 and the
  surcharges accrue on it, halved by the seeded SSRELIEF row (六税两费减半) while it is valid and in full after;
- general taxpayer with an input-VAT credit carried forward (留抵) over three months: nothing is transferred while
  input exceeds output, the credit offsets the next months' output, surcharges only on VAT actually payable, and
  the enterprise balance sheet shows the credit under 其他流动资产 (财会〔2016〕22号);
- the taxpayer type setting (validated choice; refused while an open period holds posted vouchers);
- closing order: earlier periods with vouchers close first; reopening needs every later period open.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from erp_core.analytics import engine as analytics_engine
from erp_core.analytics import queries as reports
from erp_core.finance.close_queries import close_checklist
from erp_core.finance.close_services import close_period, generate_close_vouchers, reopen_period
from erp_core.finance.models import FinanceSetting, Voucher
from erp_core.finance.queries import finance_settings
from erp_core.finance.voucher_services import update_finance_settings
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.ledger.models import GlLine
from erp_core.security.models import AuditLog
from tests.finance.support import line
from tests.finance_close.support import balances, closer, post, reopen_at_once
from tests.support.factories import actor

D = Decimal


def close_lines(db, company_id: int, period: str) -> list[tuple[str, str, Decimal, Decimal]]:
    """(summary, account code, debit, credit) of the close vouchers of a period, in posting order."""
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(
            select(GlLine.summary, GlLine.account_code, GlLine.debit, GlLine.credit)
            .join(Voucher, Voucher.id == GlLine.voucher_id)
            .where(Voucher.company_id == company_id, Voucher.period == period, Voucher.source == "close")
            .order_by(GlLine.voucher_id, GlLine.id)).all()
    return [(s, c, D(d), D(k)) for s, c, d, k in rows]


def set_taxpayer(db, company_id: int, kind: str) -> None:
    update_finance_settings(db, closer(company_id), voucher_type_mode="single", taxpayer_type=kind)


def problems(exc) -> list[ValidationError]:
    return list(exc.errors) if isinstance(exc, ValidationErrors) else [exc]


def item(checklist, key: str):
    return next((i for i in checklist.items if i.key == key), None)


# -- small-scale taxpayer ------------------------------------------------------------------------------------

def small_scale_month(db, cid: int, day: dt.date) -> None:
    """Sales of 300,000 at the reduced 1 % levy rate (SS1): VAT 3,000 credited to 应交税费—应交增值税; an office
    expense of 1,000 with an ordinary invoice (a small-scale taxpayer deducts no input VAT)."""
    post(db, cid, [line("1002", debit="303000"), line("5001", credit="300000"),
                   line("22210102", credit="3000")], day)
    post(db, cid, [line("5602", debit="1000"), line("1002", credit="1000")], day)


def test_small_scale_close_has_no_vat_transfer_and_halved_surcharges(db, company):
    cid = company.company_id
    set_taxpayer(db, cid, "small")
    small_scale_month(db, cid, dt.date(2026, 11, 10))
    who = closer(cid)
    checklist = close_checklist(db, who, period="2026-11")
    assert checklist.taxpayer_type == "small" and item(checklist, "vat") is None
    assert item(checklist, "vat_small").detail == "3,000.00" and item(checklist, "vat_small").ok
    assert item(checklist, "surcharges").detail == "180.00"  # (210 + 90 + 60) halved
    result = close_period(db, who, period="2026-11")
    assert len(result.voucher_ids) == 2  # surcharges and carry-forward; no 转出未交增值税
    lines = close_lines(db, cid, "2026-11")
    assert lines[:6] == [
        ("2026-11 计提城市维护建设税", "5403", D("105.00"), D(0)), ("2026-11 计提城市维护建设税", "222103", D(0), D("105.00")),
        ("2026-11 计提教育费附加", "5403", D("45.00"), D(0)), ("2026-11 计提教育费附加", "222104", D(0), D("45.00")),
        ("2026-11 计提地方教育附加", "5403", D("30.00"), D(0)), ("2026-11 计提地方教育附加", "222105", D(0), D("30.00"))]
    assert sorted((c, d, k) for _, c, d, k in lines[6:]) == [
        ("3103", D(0), D("298820.00")), ("5001", D("300000.00"), D(0)),
        ("5403", D(0), D("180.00")), ("5602", D(0), D("1000.00"))]
    bal = balances(db, cid)
    assert "22210104" not in bal and "222102" not in bal
    assert bal["22210102"] == D("-3000.00")  # the VAT owed stays credited to 应交增值税
    assert (bal["222103"], bal["222104"], bal["222105"]) == (D("-105.00"), D("-45.00"), D("-30.00"))
    assert bal["3103"] == D("-298820.00") and sum(bal.values()) == 0


def test_small_scale_statements(db, company):
    cid = company.company_id
    set_taxpayer(db, cid, "small")
    small_scale_month(db, cid, dt.date(2026, 11, 10))
    close_period(db, closer(cid), period="2026-11")
    viewer = actor(cid, {"finance.report.view": "all"})
    try:
        bs = {int(r.line_no): r for r in reports.balance_sheet(db, viewer, period="2026-11").itertuples()
              if str(r.line_no) != "<NA>"}
        inc = {int(r.line_no): r for r in reports.income_statement(db, viewer, period="2026-11").itertuples()
               if str(r.line_no) != "<NA>"}
    finally:
        analytics_engine.forget(db, delete=True)
    taxes = next(r for r in bs.values() if r.item == "应交税费")
    assert taxes.closing_amount == D("3180.00")  # VAT 3,000 + surcharges 180
    surtax = next(r for r in inc.values() if r.item == "税金及附加")
    assert surtax.period_amount == D("180.00")


def test_small_scale_surcharges_in_full_once_the_relief_has_ended(db, company):
    cid = company.company_id
    set_taxpayer(db, cid, "small")
    small_scale_month(db, cid, dt.date(2028, 1, 10))  # SSRELIEF is valid to 2027-12-31
    close_period(db, closer(cid), period="2028-01")
    bal = balances(db, cid)
    assert (bal["222103"], bal["222104"], bal["222105"]) == (D("-210.00"), D("-90.00"), D("-60.00"))


def test_relief_row_for_a_general_taxpayer_is_data(db, company):
    """A general taxpayer gets no small-scale relief; an MPRELIEF row (小型微利企业) it adds gives it."""
    from erp_core.settings.tax_services import create_tax_rate
    from tests.support.factories import admin_actor

    cid = company.company_id
    post(db, cid, [line("1002", debit="11300"), line("5001", credit="10000"), line("22210102", credit="1300")])
    create_tax_rate(db, admin_actor(db, company), code="MPRELIEF", name_zh="小型微利企业六税两费减半",
                    name_en="Small low-profit enterprise relief", kind="surcharge", rate="0.5",
                    valid_from=dt.date(2027, 1, 1), valid_to=None)
    close_period(db, closer(cid), period="2026-11")  # before the row's validity: full rates
    assert balances(db, cid)["222103"] == D("-91.00")
    post(db, cid, [line("1002", debit="11300"), line("5001", credit="10000"), line("22210102", credit="1300")],
         dt.date(2027, 1, 10))
    close_period(db, closer(cid), period="2027-01")
    assert balances(db, cid, upto="2027-01")["222103"] == D("-91.00") - D("45.50")


# -- general taxpayer: 留抵 over three months ------------------------------------------------------------------

@pytest.fixture
def enterprise(db):
    from erp_core.kernel.actor import Actor
    from erp_core.setup.demo import demo_tax_id
    from erp_core.setup.services import SETUP_PERMISSION, run_setup
    from tests.support.factories import ADMIN_PASSWORD

    setup = run_setup(db, Actor.anonymous(permissions=(SETUP_PERMISSION,)), company_name="留抵公司",
                      tax_id=demo_tax_id(), admin_username="admin", admin_password=ADMIN_PASSWORD,
                      admin_display_name="管理员", locale="zh_CN", load_demo=False, accounting_standard="enterprise")
    yield setup.company_id
    analytics_engine.forget(db, delete=True)


def _balance_sheet(db, cid: int, period: str) -> dict[str, Decimal]:
    viewer = actor(cid, {"finance.report.view": "all"})
    df = reports.balance_sheet(db, viewer, period=period)
    return {r.item: r.closing_amount for r in df.itertuples() if str(r.line_no) != "<NA>"}


def test_input_vat_credit_carried_over_three_months(db, enterprise):
    cid, who = enterprise, closer(enterprise)
    # September: input 13,000 > output 6,500 -> nothing transferred, 6,500 carried (留抵)
    sep = dt.date(2026, 9, 10)
    post(db, cid, [line("1405", debit="100000"), line("22210101", debit="13000"), line("1002", credit="113000")], sep)
    post(db, cid, [line("1002", debit="56500"), line("6001", credit="50000"), line("22210102", credit="6500")], sep)
    checklist = close_checklist(db, who, period="2026-09")
    assert item(checklist, "vat").ok and item(checklist, "vat_credit").detail == "6,500.00"
    close_period(db, who, period="2026-09")
    assert [c for _, c, _, _ in close_lines(db, cid, "2026-09")] == ["6001", "4103"]  # carry-forward only
    bal = balances(db, cid, upto="2026-09")
    assert sum(v for c, v in bal.items() if c.startswith("222101")) == D("6500.00")  # debit balance of 222101
    assert "222102" not in bal and "222103" not in bal
    sheet = _balance_sheet(db, cid, "2026-09")
    assert sheet["其他流动资产"] == D("6500.00") and sheet["应交税费"] == D("0.00")
    assert sheet["资产总计"] == sheet["负债和所有者权益（或股东权益）总计"]

    # October: output 5,200 - input 60 = 5,140, all covered by the credit -> 1,360 still carried, no surcharges
    oct_ = dt.date(2026, 10, 12)
    post(db, cid, [line("1002", debit="45200"), line("6001", credit="40000"), line("22210102", credit="5200")], oct_)
    post(db, cid, [line("6602", debit="1000"), line("22210101", debit="60"), line("1002", credit="1060")], oct_)
    checklist = close_checklist(db, who, period="2026-10")
    assert item(checklist, "vat").ok and item(checklist, "surcharges").ok
    assert item(checklist, "vat_credit").detail == "1,360.00"
    close_period(db, who, period="2026-10")
    assert sorted(c for _, c, _, _ in close_lines(db, cid, "2026-10")) == ["4103", "6001", "6602"]
    bal = balances(db, cid, upto="2026-10")
    assert sum(v for c, v in bal.items() if c.startswith("222101")) == D("1360.00")
    sheet = _balance_sheet(db, cid, "2026-10")
    assert sheet["其他流动资产"] == D("1360.00") and sheet["应交税费"] == D("0.00")

    # November: output 13,000 - input 2,600 - credit 1,360 = 9,040 payable, surcharges on 9,040
    nov = dt.date(2026, 11, 5)
    post(db, cid, [line("1002", debit="113000"), line("6001", credit="100000"), line("22210102", credit="13000")],
         nov)
    post(db, cid, [line("1405", debit="20000"), line("22210101", debit="2600"), line("1002", credit="22600")], nov)
    checklist = close_checklist(db, who, period="2026-11")
    assert item(checklist, "vat").detail == "9,040.00" and item(checklist, "vat_credit") is None
    assert item(checklist, "surcharges").detail == "1,084.80"
    close_period(db, who, period="2026-11")
    lines = close_lines(db, cid, "2026-11")
    assert lines[:8] == [
        ("2026-11 转出未交增值税", "22210104", D("9040.00"), D(0)), ("2026-11 转出未交增值税", "222102", D(0), D("9040.00")),
        ("2026-11 计提城市维护建设税", "6403", D("632.80"), D(0)), ("2026-11 计提城市维护建设税", "222103", D(0), D("632.80")),
        ("2026-11 计提教育费附加", "6403", D("271.20"), D(0)), ("2026-11 计提教育费附加", "222104", D(0), D("271.20")),
        ("2026-11 计提地方教育附加", "6403", D("180.80"), D(0)), ("2026-11 计提地方教育附加", "222105", D(0), D("180.80"))]
    bal = balances(db, cid, upto="2026-11")
    assert sum(v for c, v in bal.items() if c.startswith("222101")) == 0
    assert bal["222102"] == D("-9040.00")
    sheet = _balance_sheet(db, cid, "2026-11")
    assert sheet["其他流动资产"] == D("0.00") and sheet["应交税费"] == D("10124.80")
    assert sheet["资产总计"] == sheet["负债和所有者权益（或股东权益）总计"]


def test_small_business_sheet_shows_a_vat_credit_as_negative_taxes_payable(db, company):
    """小企业会计准则: 应交税费 with a debit balance is shown with a minus sign on its own line (its statement notes);
    其他流动资产 stays empty."""
    cid = company.company_id
    post(db, cid, [line("1405", debit="10000"), line("22210101", debit="1300"), line("1002", credit="11300")])
    post(db, cid, [line("1002", debit="5650"), line("5001", credit="5000"), line("22210102", credit="650")])
    close_period(db, closer(cid), period="2026-11")
    viewer = actor(cid, {"finance.report.view": "all"})
    try:
        sheet = {r.item: r.closing_amount for r in reports.balance_sheet(db, viewer, period="2026-11").itertuples()
                 if str(r.line_no) != "<NA>"}
    finally:
        analytics_engine.forget(db, delete=True)
    assert sheet["应交税费"] == D("-650.00") and sheet["其他流动资产"] == D("0.00")


def test_a_later_input_invoice_undoes_only_this_months_transfer(db, company):
    """Generate in a month (transfer made), then a late input invoice turns the month into a credit: generating
    again reverses this month's transfer and surcharges, and the rest stays carried."""
    cid, who = company.company_id, closer(company.company_id)
    post(db, cid, [line("1002", debit="1130"), line("5001", credit="1000"), line("22210102", credit="130")])
    generate_close_vouchers(db, who, period="2026-11")
    assert balances(db, cid)["22210104"] == D("130.00")
    post(db, cid, [line("1405", debit="2000"), line("22210101", debit="260"), line("1002", credit="2260")])
    generate_close_vouchers(db, who, period="2026-11")
    bal = balances(db, cid)
    assert bal["22210104"] == 0 and bal["222102"] == 0
    assert bal["222103"] == 0 and bal["222104"] == 0 and bal["222105"] == 0
    assert sum(v for c, v in bal.items() if c.startswith("222101")) == D("130.00")  # 260 - 130 carried


# -- the taxpayer type setting --------------------------------------------------------------------------------

def test_taxpayer_type_is_a_validated_choice_and_audited(db, company):
    cid = company.company_id
    who = closer(cid)
    assert finance_settings(db, who).taxpayer_type == "general"
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        update_finance_settings(db, who, voucher_type_mode="single", taxpayer_type="medium")
    assert [(e.message_id, e.field) for e in problems(err.value)] == [
        ("error.choice", "field.finance.setting.taxpayer_type")]
    set_taxpayer(db, cid, "small")
    assert finance_settings(db, who).taxpayer_type == "small"
    update_finance_settings(db, who, voucher_type_mode="split")  # None keeps the type
    assert finance_settings(db, who).taxpayer_type == "small"
    with db.uow(readonly=True) as uow:
        details = [json.loads(d) for d in uow.session.execute(
            select(AuditLog.details).where(AuditLog.action == "finance.setting.edit").order_by(AuditLog.id))
            .scalars()]
    assert details[0]["changes"]["taxpayer_type"] == ["general", "small"]


def test_taxpayer_type_changes_only_from_a_period_start(db, company):
    cid = company.company_id
    who = closer(cid)
    post(db, cid, [line("1002", debit="100"), line("5001", credit="100")], dt.date(2026, 10, 5))
    with pytest.raises((ValidationError, ValidationErrors)) as err:
        set_taxpayer(db, cid, "small")
    [problem] = problems(err.value)
    assert (problem.message_id, problem.field, problem.params["period"]) == (
        "error.finance.setting.taxpayer_in_use", "field.finance.setting.taxpayer_type", "2026-10")
    with db.uow(readonly=True) as uow:
        row = uow.session.get(FinanceSetting, cid)
        assert row is None or row.taxpayer_type == "general"
    close_period(db, who, period="2026-10")
    set_taxpayer(db, cid, "small")  # from 2026-11 on
    assert finance_settings(db, who).taxpayer_type == "small"
    # the same type again is no change, whatever is posted
    post(db, cid, [line("1002", debit="100"), line("5001", credit="100")], dt.date(2026, 11, 5))
    set_taxpayer(db, cid, "small")


# -- closing order --------------------------------------------------------------------------------------------

def test_periods_close_from_the_first_with_vouchers_in_order(db, company):
    cid = company.company_id
    who, reopener = closer(cid), closer(cid, "finance.period.reopen")
    reopen_at_once(db, cid)  # the order of reopening; its approval is tested in tests/health
    post(db, cid, [line("1002", debit="100"), line("5001", credit="100")], dt.date(2026, 8, 5))
    post(db, cid, [line("1002", debit="200"), line("5001", credit="200")], dt.date(2026, 11, 5))
    checklist = close_checklist(db, who, period="2026-11")
    order = item(checklist, "order")
    assert order.blocking and not order.ok and order.detail == "2026-08" and not checklist.ready
    with pytest.raises(Conflict) as err:
        close_period(db, who, period="2026-11")
    assert err.value.message_id == "error.finance_close.earlier_open"
    assert err.value.params == {"period": "2026-11", "earlier": "2026-08"}
    with pytest.raises(Conflict):  # generating is refused the same way
        generate_close_vouchers(db, who, period="2026-11")
    close_period(db, who, period="2026-08")
    assert item(close_checklist(db, who, period="2026-11"), "order").ok  # 09 and 10 are empty: no need
    close_period(db, who, period="2026-11")
    # reopening: the later closed period must be reopened first
    sep = close_checklist(db, who, period="2026-08")
    assert item(sep, "later").detail == "2026-11" and not item(sep, "later").ok
    with pytest.raises(Conflict) as err:
        reopen_period(db, reopener, period="2026-08", reason="补记")
    assert err.value.message_id == "error.finance_close.later_closed"
    assert err.value.params["later"] == "2026-11"
    reopen_period(db, reopener, period="2026-11", reason="补记")
    reopen_period(db, reopener, period="2026-08", reason="补记")
    assert item(close_checklist(db, who, period="2026-08"), "later") is None


def test_a_draft_in_an_earlier_period_blocks_too(db, company):
    from erp_core.finance.voucher_services import create_voucher

    cid = company.company_id
    create_voucher(db, closer(cid), voucher_date=dt.date(2026, 9, 3),
                   lines=[line("1002", debit="5"), line("5001", credit="5")])
    with pytest.raises(Conflict) as err:
        close_period(db, closer(cid), period="2026-11")
    assert err.value.params["earlier"] == "2026-09"


# -- property: the 留抵 recurrence ----------------------------------------------------------------------------

def test_vat_credit_recurrence_holds_for_any_months(db, company):
    """For any months of output and input VAT closed in order: the month's transfer is T = max(0, out - in - C)
    and the credit carried is C' = max(0, C + in - out) (C: the credit carried in); the surcharges accrue on T
    and never go negative; 222101 keeps exactly C' as its debit balance."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    cid = company.company_id
    who = closer(cid)
    from erp_core.kernel.clock import set_clock

    years = iter(range(2030, 2100))
    fen = st.integers(min_value=0, max_value=5 * 10**6)

    def vat_debit(upto: str) -> Decimal:
        return sum((v for c, v in balances(db, cid, upto=upto).items() if c.startswith("222101")), D(0))

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(fen, fen), min_size=1, max_size=4))
    def run(months):
        year = next(years)
        # each example books a later year (periods close in order); the clock follows, as voucher dates may not
        # lie more than two years ahead of today (erp_core.ledger.periods.FUTURE_YEARS)
        set_clock(lambda: dt.datetime(year, 1, 1, tzinfo=dt.UTC))
        carried = max(vat_debit(f"{year - 1}-12"), D(0))  # what earlier examples left carried
        for m, (out_fen, in_fen) in enumerate(months, start=1):
            out, inp = D(out_fen).scaleb(-2), D(in_fen).scaleb(-2)
            day, period = dt.date(year, m, 15), f"{year}-{m:02d}"
            if out:
                post(db, cid, [line("1002", debit=str(out)), line("22210102", credit=str(out))], day)
            if inp:
                post(db, cid, [line("22210101", debit=str(inp)), line("1002", credit=str(inp))], day)
            close_period(db, who, period=period)
            transfer = max(out - inp - carried, D(0))
            carried = max(carried + inp - out, D(0))
            month = {c: v for c, v in balances(db, cid, upto=period).items()}
            before = balances(db, cid, upto=f"{year}-{m - 1:02d}" if m > 1 else f"{year - 1}-12")
            moved = {c: month.get(c, D(0)) - before.get(c, D(0)) for c in month}
            assert moved.get("22210104", D(0)) == transfer
            assert moved.get("222103", D(0)) == -(transfer * D("0.07")).quantize(D("0.01"), ROUND_HALF_UP)
            assert vat_debit(period) == carried

    try:
        run()
    finally:
        set_clock(None)
