"""Property: whatever balanced vouchers are posted (and some reversed), every voucher balances in the ledger,
the trial balance balances (sum of debits == sum of credits per company), and posting_seq stays gap-free."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from erp_core.finance.queries import list_accounts
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.models import GlLine
from erp_core.ledger.posting import post_voucher, reverse_voucher
from tests.finance.support import DAY, accountant

ACCOUNTS = ["1001", "1002", "1403", "1405", "2001", "22210101", "22210102", "3001", "5001", "5401", "5602"]

amount = st.integers(min_value=1, max_value=10**11).map(lambda fen: Decimal(fen).scaleb(-2))
voucher = st.lists(st.tuples(st.sampled_from(ACCOUNTS), amount, st.booleans()), min_size=1, max_size=6)


def _balanced(parts):
    """Turn (account, amount, is_debit) parts into balanced lines: a final line takes the difference."""
    lines, net = [], Decimal(0)
    for code, amt, is_debit in parts:
        lines.append({"account_code": code, "debit": amt if is_debit else "", "credit": "" if is_debit else amt,
                      "summary": "随机"})
        net += amt if is_debit else -amt
    if net == 0:
        lines.append({"account_code": "1001", "debit": Decimal("0.01"), "summary": "平衡"})
        lines.append({"account_code": "5001", "credit": Decimal("0.01"), "summary": "平衡"})
    elif net > 0:
        lines.append({"account_code": "5001", "credit": net, "summary": "平衡"})
    else:
        lines.append({"account_code": "1002", "debit": -net, "summary": "平衡"})
    return lines


def _invariants(db, company_id):
    with db.uow(readonly=True) as uow:
        s = uow.session
        per_voucher = s.execute(select(GlLine.voucher_id, func.sum(GlLine.debit), func.sum(GlLine.credit))
                                .where(GlLine.company_id == company_id).group_by(GlLine.voucher_id)).all()
        assert per_voucher and all(d == c for _, d, c in per_voucher)
        total_d, total_c, n, top = s.execute(select(func.sum(GlLine.debit), func.sum(GlLine.credit), func.count(),
                                                    func.max(GlLine.posting_seq))
                                             .where(GlLine.company_id == company_id)).one()
        assert total_d == total_c
        assert n == top  # 1..n, no gaps, no duplicates (unique constraint)


def test_random_balanced_vouchers_keep_the_ledger_balanced(db, company):
    preparer, poster = accountant(company.company_id), accountant(company.company_id)
    assert len(list_accounts(db, preparer)) > 50

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(parts=voucher, reverse=st.booleans())
    def run(parts, reverse):
        vid = create_voucher(db, preparer, voucher_date=DAY, lines=_balanced(parts))
        review_voucher(db, poster, voucher_id=vid)
        post_voucher(db, poster, voucher_id=vid)
        if reverse:
            rid = reverse_voucher(db, poster, voucher_id=vid, voucher_date=DAY)  # a draft red entry
            review_voucher(db, preparer, voucher_id=rid)
            post_voucher(db, poster, voucher_id=rid)
        _invariants(db, company.company_id)

    run()
