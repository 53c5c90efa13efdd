"""A hypothesis state machine over create / review / unreview / post / reverse / delete / renumber, with the
ledger invariants checked after every step: every voucher balances, the trial balance balances, posting_seq
is gap-free, a voucher is posted exactly when it has ledger lines, and posted numbers never change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from erp_core.finance.models import Voucher
from erp_core.finance.voucher_services import (
    create_voucher,
    delete_voucher,
    renumber_vouchers,
    review_voucher,
    unreview_voucher,
)
from erp_core.kernel.errors import DomainError
from erp_core.ledger.invariants import ledger_problems
from erp_core.ledger.posting import post_voucher, reverse_voucher
from tests.finance.support import accountant, supplier

ACCOUNTS = ["1001", "1002", "1405", "220201", "5001", "5401", "5602"]
DAYS = [dt.date(2026, 11, 3), dt.date(2026, 11, 20), dt.date(2026, 12, 1)]


def test_voucher_lifecycle_state_machine(db, company):
    preparer, checker = accountant(company.company_id), accountant(company.company_id)
    supplier_id = supplier(db, company.company_id)

    class Ledger(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.posted_numbers: dict[int, tuple[str, str, int]] = {}

        def _vouchers(self, status=None):
            with db.uow(readonly=True) as uow:
                stmt = select(Voucher.id).where(Voucher.company_id == company.company_id)
                if status:
                    stmt = stmt.where(Voucher.status == status)
                return list(uow.session.execute(stmt.order_by(Voucher.id)).scalars())

        @rule(day=st.sampled_from(DAYS), debit=st.sampled_from(ACCOUNTS[:4]), credit=st.sampled_from(ACCOUNTS[3:]),
              fen=st.integers(min_value=1, max_value=10**9))
        def create(self, day, debit, credit, fen):
            amount = Decimal(fen).scaleb(-2)
            lines = [{"account_code": debit, "debit": amount, "summary": "状态机"},
                     {"account_code": credit, "credit": amount, "summary": "状态机"}]
            if "220201" in (debit, credit):
                for ln in lines:
                    if ln["account_code"] == "220201":
                        ln["supplier_id"] = supplier_id
            create_voucher(db, preparer, voucher_date=day, lines=lines)

        @rule(pick=st.integers(min_value=0, max_value=50))
        def review(self, pick):
            drafts = self._vouchers("draft")
            if drafts:
                review_voucher(db, checker, voucher_id=drafts[pick % len(drafts)])

        @rule(pick=st.integers(min_value=0, max_value=50))
        def unreview(self, pick):
            reviewed = self._vouchers("reviewed")
            if reviewed:
                unreview_voucher(db, checker, voucher_id=reviewed[pick % len(reviewed)])

        @rule(pick=st.integers(min_value=0, max_value=50))
        def post(self, pick):
            reviewed = self._vouchers("reviewed")
            if reviewed:
                vid = reviewed[pick % len(reviewed)]
                post_voucher(db, checker, voucher_id=vid)
                again = post_voucher(db, checker, voucher_id=vid)  # idempotent
                assert again.replayed

        @rule(pick=st.integers(min_value=0, max_value=50), day=st.sampled_from(DAYS))
        def reverse(self, pick, day):
            posted = self._vouchers("posted")
            if posted:
                try:
                    reverse_voucher(db, preparer, voucher_id=posted[pick % len(posted)], voucher_date=day)  # a draft for checker
                except DomainError as err:  # already reversed, or itself a reversal
                    assert err.message_id.startswith("error.finance.voucher.")

        @rule(pick=st.integers(min_value=0, max_value=50))
        def delete(self, pick):
            drafts = self._vouchers("draft")
            if drafts:
                delete_voucher(db, preparer, voucher_id=drafts[pick % len(drafts)])

        @rule(day=st.sampled_from(DAYS))
        def renumber(self, day):
            renumber_vouchers(db, preparer, period=f"{day.year}-{day.month:02d}", voucher_type="记")

        @invariant()
        def ledger_is_consistent(self):
            with db.uow(readonly=True) as uow:
                assert ledger_problems(uow.session, company.company_id) == []
                rows = uow.session.execute(select(Voucher.id, Voucher.voucher_type, Voucher.period, Voucher.number,
                                                  Voucher.status)
                                           .where(Voucher.company_id == company.company_id)).all()
            for vid, vtype, period, number, status in rows:
                if status == "posted":
                    assert self.posted_numbers.setdefault(vid, (vtype, period, number)) == (vtype, period, number)
            keys = [(t, p, n) for _, t, p, n, _ in rows]
            assert len(keys) == len(set(keys)) and all(n > 0 for _, _, n in keys)

    run_state_machine_as_test(Ledger, settings=settings(
        max_examples=8, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
