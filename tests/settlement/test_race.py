"""Two payments racing for one invoice on every backend: the first poster holds the invoice's lock (its unit of
work is still open); the second waits for it, then sees what the first settled and is refused. Never both."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from erp_core.kernel.errors import Conflict
from erp_core.settlement import services as pay
from erp_core.settlement.models import Payment, Settlement
from erp_core.usecase import Context
from tests.settlement.support import DAY, build, invoices, post_invoice  # noqa: F401


@pytest.fixture
def books(db, invoices, company):  # noqa: F811
    return build(db, company=company)


def test_two_sessions_settling_the_same_invoice_one_is_refused(db, books):
    inv = post_invoice(books, "100.00")
    lines = [{"item_type": "t_invoice", "item_id": inv, "amount": "70"}]
    p1 = pay.create_payment(db, books.admin, partner_id=books.suppliers["A"], doc_date=DAY, lines=lines)
    p2 = pay.create_payment(db, books.admin, partner_id=books.suppliers["A"], doc_date=DAY, lines=lines)
    outcome: dict[str, object] = {}

    def second():
        try:
            outcome["second"] = pay.post_payment(db, books.admin, payment_id=p2)
        except Exception as exc:  # noqa: BLE001 - the outcome is asserted below
            outcome["second"] = exc

    with db.uow() as uow:  # the first poster, its transaction open
        ctx = Context(uow.session, books.admin, "finance.payment.post", db, company_id=books.company_id)
        pay.post_payment.__wrapped__(ctx, payment_id=p1)
        uow.session.flush()
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.5)
        assert thread.is_alive(), f"the second poster did not wait for the first: {outcome}"
        uow.commit()
    thread.join(timeout=60)
    assert not thread.is_alive()
    err = outcome["second"]
    assert isinstance(err, Conflict) and err.message_id == "error.settlement.over", err
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.sum(Settlement.amount))).scalar_one() == 70
        posted = uow.session.execute(select(Payment.id).where(Payment.posted_at.is_not(None))).scalars().all()
    assert posted == [p1]
