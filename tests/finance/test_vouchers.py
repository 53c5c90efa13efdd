"""Vouchers: validation names every problem and writes nothing; drafts are edited with their version; review by
someone other than the preparer; unreview; numbering per type and period; gap report and renumbering."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from erp_core.finance.models import Voucher, VoucherLine
from erp_core.finance.queries import get_voucher, list_vouchers, voucher_gaps
from erp_core.finance.voucher_services import (
    create_voucher,
    delete_voucher,
    renumber_vouchers,
    review_voucher,
    unreview_voucher,
    update_finance_settings,
    update_voucher,
)
from erp_core.kernel.errors import (
    ConcurrencyError,
    Conflict,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)
from erp_core.ledger.models import AccountingPeriod
from erp_core.ledger.posting import post_voucher
from tests.finance.support import DAY, accountant, customer, fields, line
from tests.support.factories import actor

GOOD = [line("1002", debit="1130.00", summary="销售商品"), line("5001", credit="1000.00"),
        line("22210102", credit="130.00")]


def _count(db, model):
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_create_stores_lines_and_numbers_per_type_and_period(db, company):
    a = accountant(company.company_id)
    v1 = create_voucher(db, a, voucher_date=DAY, lines=GOOD, attachments=2)
    v2 = create_voucher(db, a, voucher_date=DAY, lines=GOOD)
    v3 = create_voucher(db, a, voucher_date=dt.date(2026, 12, 1), lines=GOOD)
    d1 = get_voucher(db, a, voucher_id=v1)
    assert (d1.voucher_type, d1.number, d1.period, d1.status, d1.attachments) == ("记", 1, "2026-11", "draft", 2)
    assert [(ln.account_code, ln.debit, ln.credit) for ln in d1.lines] == [
        ("1002", Decimal("1130.00"), 0), ("5001", 0, Decimal("1000.00")), ("22210102", 0, Decimal("130.00"))]
    assert d1.lines[2].account_name == "应交税费—应交增值税—销项税额"
    assert d1.total_debit == d1.total_credit == Decimal("1130.00")
    assert get_voucher(db, a, voucher_id=v2).number == 2 and get_voucher(db, a, voucher_id=v3).number == 1


def test_every_problem_named_with_its_line_and_nothing_written(db, company):
    a = accountant(company.company_id)
    before = (_count(db, Voucher), _count(db, VoucherLine))
    bad = [
        line("1122", debit="100"),                   # 1: customer required
        line("2221", credit="50"),                   # 2: not a leaf
        line("9999", credit="10"),                   # 3: unknown account
        line("5001", debit="5", credit="5"),         # 4: both sides
        line("5001"),                                # 5: neither side
        {"account_code": "5001", "debit": "1.001"},  # 6: three decimals
        {"summary": "x", "debit": "3"},              # 7: no account
    ]
    with pytest.raises(ValidationErrors) as err:
        create_voucher(db, a, voucher_date=DAY, lines=bad, voucher_type="收", attachments=-1)
    got = fields(err.value)
    assert {("field.finance.dim.customer", 1), ("field.finance.line.account", 2), ("field.finance.line.account", 3),
            ("field.finance.line.debit", 4), ("field.finance.line.debit", 5), ("field.finance.line.debit", 6),
            ("field.finance.line.account", 7), ("field.finance.voucher.type", None),
            ("field.finance.voucher.attachments", None)} <= got
    assert (_count(db, Voucher), _count(db, VoucherLine)) == before


def test_unbalanced_single_line_and_zero_total_refused(db, company):
    a = accountant(company.company_id)
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="10"), line("5001", credit="9.99")])
    assert err.value.message_id == "error.finance.voucher.unbalanced"
    assert err.value.params["debit"] == "10.00" and err.value.params["credit"] == "9.99"
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="10")])
    assert err.value.message_id == "error.finance.voucher.min_lines"
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="-10"), line("5001", credit="-10")])
    assert err.value.message_id == "error.finance.voucher.zero_total"
    assert _count(db, Voucher) == 0


def test_required_dimension_satisfied_and_must_exist(db, company):
    a = accountant(company.company_id)
    cid = customer(db, company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=[line("1122", debit="10", customer_id=cid),
                                                         line("5001", credit="10")])
    assert get_voucher(db, a, voucher_id=vid).lines[0].dims["customer_id"] == cid
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1122", debit="10", customer_id=cid + 999),
                                                       line("5001", credit="10")])
    assert (err.value.message_id, err.value.params["line"]) == ("error.finance.line.dim_unknown", 1)


def test_closed_period_refuses_entry(db, company):
    a = accountant(company.company_id)
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=company.company_id, period="2026-10", status="closed"))
        uow.commit()
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=dt.date(2026, 10, 31), lines=GOOD)
    assert err.value.message_id == "error.finance.period_closed" and err.value.field == "field.finance.voucher.date"


def test_review_by_another_user_then_unreview(db, company):
    preparer, reviewer = accountant(company.company_id), accountant(company.company_id)
    vid = create_voucher(db, preparer, voucher_date=DAY, lines=GOOD)
    with pytest.raises(Conflict) as err:
        review_voucher(db, preparer, voucher_id=vid)
    assert err.value.message_id == "error.finance.voucher.self_review"
    review_voucher(db, reviewer, voucher_id=vid)
    d = get_voucher(db, preparer, voucher_id=vid)
    assert d.status == "reviewed" and d.reviewed_by_name == reviewer.username
    with pytest.raises(Conflict):  # a reviewed voucher is not editable
        update_voucher(db, preparer, voucher_id=vid, version=d.version, voucher_date=DAY, lines=GOOD)
    with pytest.raises(InvalidTransition):
        review_voucher(db, reviewer, voucher_id=vid)
    unreview_voucher(db, reviewer, voucher_id=vid)
    d = get_voucher(db, preparer, voucher_id=vid)
    assert d.status == "draft" and d.reviewed_by_name is None


def test_draft_posting_requires_review(db, company):
    a = accountant(company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=GOOD)
    with pytest.raises(InvalidTransition):
        post_voucher(db, a, voucher_id=vid)


def test_edit_draft_with_version_and_stale_edit_fails(db, company):
    a = accountant(company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=GOOD)
    v0 = get_voucher(db, a, voucher_id=vid).version
    new_lines = [line("1001", debit="20", summary="收现"), line("5001", credit="20")]
    v1 = update_voucher(db, a, voucher_id=vid, version=v0, voucher_date=DAY, lines=new_lines, attachments=1)
    d = get_voucher(db, a, voucher_id=vid)
    assert v1 == v0 + 1 == d.version and d.total_debit == Decimal("20.00") and len(d.lines) == 2
    assert d.lines[0].summary == "收现" and d.attachments == 1
    with pytest.raises(ConcurrencyError):
        update_voucher(db, a, voucher_id=vid, version=v0, voucher_date=DAY, lines=GOOD)
    # moving to another period takes that period's next number
    update_voucher(db, a, voucher_id=vid, version=v1, voucher_date=dt.date(2026, 12, 3), lines=new_lines)
    d = get_voucher(db, a, voucher_id=vid)
    assert (d.period, d.number) == ("2026-12", 1)


def test_delete_draft_leaves_gap_report_and_renumber_closes_it(db, company):
    a, b = accountant(company.company_id), accountant(company.company_id)
    vids = [create_voucher(db, a, voucher_date=DAY, lines=GOOD) for _ in range(5)]
    review_voucher(db, b, voucher_id=vids[0])
    post_voucher(db, b, voucher_id=vids[0])  # 记-1 posted
    review_voucher(db, b, voucher_id=vids[3])
    post_voucher(db, b, voucher_id=vids[3])  # 记-4 posted
    delete_voucher(db, a, voucher_id=vids[1])  # gap at 2
    delete_voucher(db, a, voucher_id=vids[2])  # gap at 3
    gap = voucher_gaps(db, a, period="2026-11")[0]
    assert (gap.voucher_type, gap.missing, gap.max_number, gap.unposted) == ("记", [2, 3], 5, 1)
    moved = renumber_vouchers(db, a, period="2026-11", voucher_type="记")
    assert moved == {"记-0005": 2}
    numbers = {r.id: r.number for r in list_vouchers(db, a, period="2026-11")}
    assert numbers == {vids[0]: 1, vids[3]: 4, vids[4]: 2}  # posted numbers never move
    assert voucher_gaps(db, a, period="2026-11")[0].missing == [3]
    assert get_voucher(db, a, voucher_id=create_voucher(db, a, voucher_date=DAY, lines=GOOD)).number == 5


def test_posted_voucher_cannot_be_deleted_or_edited(db, company):
    a, b = accountant(company.company_id), accountant(company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=GOOD)
    review_voucher(db, b, voucher_id=vid)
    post_voucher(db, b, voucher_id=vid)
    with pytest.raises(Conflict):
        delete_voucher(db, a, voucher_id=vid)
    d = get_voucher(db, a, voucher_id=vid)
    with pytest.raises(Conflict):
        update_voucher(db, a, voucher_id=vid, version=d.version, voucher_date=DAY, lines=GOOD)


def test_split_voucher_types_setting(db, company):
    a = accountant(company.company_id)
    update_finance_settings(db, a, voucher_type_mode="split")
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=DAY, lines=GOOD, voucher_type="记")
    assert err.value.field == "field.finance.voucher.type"
    r = create_voucher(db, a, voucher_date=DAY, lines=GOOD, voucher_type="收")
    t = create_voucher(db, a, voucher_date=DAY, lines=GOOD, voucher_type="转")
    assert {get_voucher(db, a, voucher_id=r).display_no, get_voucher(db, a, voucher_id=t).display_no} == {
        "收-0001", "转-0001"}


def test_permission_and_scope(db, company):
    a = accountant(company.company_id)
    vid = create_voucher(db, a, voucher_date=DAY, lines=GOOD)
    clerk = actor(company.company_id, {"finance.voucher.view": "own", "finance.voucher.create": "own"})
    with pytest.raises(PermissionDenied):
        review_voucher(db, clerk, voucher_id=vid)
    assert list_vouchers(db, clerk) == []  # own scope: not the clerk's voucher
    mine = create_voucher(db, clerk, voucher_date=DAY, lines=GOOD)
    assert [r.id for r in list_vouchers(db, clerk)] == [mine]
    assert {r.id for r in list_vouchers(db, a)} == {vid, mine}


def test_list_filters(db, company):
    a = accountant(company.company_id)
    v1 = create_voucher(db, a, voucher_date=DAY, lines=GOOD)
    v2 = create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="8", summary="报销差旅费"),
                                                        line("5602", credit="8")])
    assert [r.id for r in list_vouchers(db, a, account_code="2221")] == [v1]
    assert [r.id for r in list_vouchers(db, a, text="差旅")] == [v2]
    assert [r.id for r in list_vouchers(db, a, status="draft", period="2026-11")] == [v1, v2]
    assert list_vouchers(db, a, period="2026-01") == []
    assert list_vouchers(db, a)[0].summary == "销售商品"


def test_bad_dimension_value_is_a_line_error(db, company):
    a = accountant(company.company_id)
    with pytest.raises(ValidationError) as err:
        create_voucher(db, a, voucher_date=DAY, lines=[line("1001", debit="1", department_id="销售部"),
                                                       line("5001", credit="1")])
    assert (err.value.field, err.value.params["line"]) == ("field.finance.dim.department", 1)
