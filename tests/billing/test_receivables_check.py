"""`erp check` receivables_vs_ledger over every receivable control account (issue #13): the default 1122 and its
sub-accounts and whatever account a 科目设置 rule maps the receivable role to. Invoices posted to a sub-account
of 1122 (a rule for every customer) and to 1121 (a rule for one customer) agree with the open items; a line
added on the sub-account makes that customer's receivable differ, and the check says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, insert, select

from erp_core.billing import invoice_services as inv
from erp_core.billing.invariants import receivables_vs_ledger_problems
from erp_core.billing.models import SalesInvoice
from erp_core.costing import rules_services as rs
from erp_core.finance.account_services import create_account
from erp_core.ledger.models import GlLine
from tests.billing.support import DAY, build, deliver, gl_balance, order

D = Decimal


def _problems(db, st):
    with db.uow(readonly=True) as uow:
        return receivables_vs_ledger_problems(uow.session, st.company_id)


def _invoice(db, st, dl, qty):
    iid = inv.create_invoice(db, st.admin, doc_date=DAY, lines=[
        {"source_type": "sales_delivery", "source_line_id": dl, "quantity": qty}])
    inv.post_invoice(db, st.admin, invoice_id=iid)
    return iid


def test_every_receivable_control_account_is_compared_and_a_sub_account_difference_is_reported(db, company):
    st = build(db, company=company)
    create_account(db, st.admin, code="112201", name="应收账款-一般客户", aux="customer")
    rs.set_account_rule(db, st.admin, role="receivable", account_code="112201")
    rs.set_account_rule(db, st.admin, role="receivable", account_code="1121", partner_kind="customer",
                        partner_id=st.customers["C002"])
    o1 = order(db, st, [("P1", "10", "50.00")])
    o2 = order(db, st, [("P2", "5", "20.00")], customer="C002")
    _, dl1 = deliver(db, st, [(o1[0], "10")])
    _, dl2 = deliver(db, st, [(o2[0], "5")])
    first = _invoice(db, st, dl1[0], "10")
    _invoice(db, st, dl2[0], "5")
    assert gl_balance(db, st.company_id, "112201", customer_id=st.customers["C001"]) == D("565.00")
    assert gl_balance(db, st.company_id, "1121", customer_id=st.customers["C002"]) == D("113.00")
    assert _problems(db, st) == []  # 1121 counts: the rule maps C002's receivable there

    # a line on the sub-account that no open item accounts for (appended to the invoice's voucher)
    with db.uow() as uow:
        s = uow.session
        vid = s.get(SalesInvoice, first).voucher_id
        row = s.execute(select(GlLine).where(GlLine.voucher_id == vid, GlLine.account_code == "112201")).scalar_one()
        seq = s.execute(select(func.max(GlLine.posting_seq)).where(GlLine.company_id == st.company_id)).scalar()
        s.execute(insert(GlLine).values(
            company_id=st.company_id, posting_seq=seq + 1, voucher_id=vid, line_no=99, posting_date=row.posting_date,
            period=row.period, account_id=row.account_id, account_code="112201", summary="tampered",
            debit=D("7.00"), credit=D(0), customer_id=row.customer_id, posted_at=dt.datetime(2026, 3, 2, 9, 0)))
        uow.commit()
    problems = _problems(db, st)
    assert [(p.message_id, p.params["customer"], p.params["open"], p.params["ledger"]) for p in problems] == [
        ("check.problem.billing.vs_ledger", st.customers["C001"], "565.00", "572.00")]
