"""`erp check` compares the stock ledger's value per stock account with the general ledger (all backends)."""

from __future__ import annotations

from decimal import Decimal

from erp_core.checks import run_checks
from erp_core.documents import accounts
from erp_core.inventory.queries import stock_vs_ledger
from erp_core.ledger.posting import create_and_post_system_voucher
from erp_core.stockops import services as S
from erp_core.usecase import Context
from tests.stockops.support import DAY
from tests.stockops.support import company as stock_company

D = Decimal


def _opening_voucher(db, st, amount):
    with db.uow() as uow:
        ctx = Context(uow.session, st.admin, "test", db, company_id=st.company_id)
        create_and_post_system_voucher(ctx, voucher_date=DAY, posting_key="gl:opening-stock", lines=[
            {"account_code": "1405", "debit": amount, "summary": "期初库存"},
            {"account_code": "3001", "credit": amount, "summary": "期初库存"}])
        uow.commit()


def test_check_finds_stock_not_on_the_ledger_then_is_clean(db, monkeypatch, company):
    st = stock_company(db, setup=company)  # openings 250.00 + 3.35, no voucher
    [p] = dict(run_checks(db))["stock_vs_ledger"]
    assert p.message_id == "check.problem.stock.ledger_mismatch" and p.params["stock"] == "253.35"
    assert "{" not in p.render("zh_CN") and "{" not in p.render("en")
    _opening_voucher(db, st, D("253.35"))
    assert dict(run_checks(db))["stock_vs_ledger"] == []
    S.post_other_issue(db, st.admin, doc_id=S.create_other_issue(
        db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
        lines=[{"product_id": st.products["P1"], "quantity": "3"}]))

    real = accounts.account_for
    monkeypatch.setattr(accounts, "account_for", lambda ctx, role, **kw: "1403" if role == "stock" and
                        kw.get("warehouse_id") == st.warehouses["WH02"] else real(ctx, role, **kw))
    S.post_transfer(db, st.admin, doc_id=S.create_transfer(
        db, st.admin, doc_date=DAY, from_warehouse_id=st.warehouses["WH01"], to_warehouse_id=st.warehouses["WH02"],
        lines=[{"product_id": st.products["P1"], "quantity": "10"}]))
    assert dict(run_checks(db))["stock_vs_ledger"] == []
    rows = stock_vs_ledger(db, st.admin)
    assert [(r.account_code, r.stock_value, r.ledger_balance) for r in rows] == [
        ("1403", D("25.00"), D("25.00")), ("1405", D("220.85"), D("220.85"))]
