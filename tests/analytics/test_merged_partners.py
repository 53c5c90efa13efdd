"""Reports follow merges (issue #4, brief B item 4): posted ledger lines keep a merged customer's / supplier's id
(append-only), and the analytics layer maps every partner to its final survivor when grouping and filtering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import func, select

from erp_core.analytics import queries
from erp_core.ledger.models import GlLine
from erp_core.masterdata.merge_services import merge_customers, merge_suppliers
from erp_core.masterdata.models_partners import Customer, Supplier
from tests.support.factories import actor


def _merge(merge, db, who, survivor_id: int, duplicate_id: int) -> None:
    """Merge as a person who confirmed the records as they are now (their current versions)."""
    with db.uow(readonly=True) as uow:
        model = Customer if merge is merge_customers else Supplier
        versions = [uow.session.get(model, i).version for i in (survivor_id, duplicate_id)]
    merge(db, who, survivor_id=survivor_id, duplicate_id=duplicate_id, survivor_version=versions[0],
          duplicate_version=versions[1])


def _day(n: int, month: int = 1) -> dt.date:
    return dt.date(2026, month, n)


def _lines_of(db, customer_id: int) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(GlLine)
                                   .where(GlLine.customer_id == customer_id)).scalar_one()


def test_aging_dimension_ledger_and_filters_show_a_merged_customer_under_its_survivor(db, company, books):
    b = books
    b.post(_day(5), ("1122", "1000", 0, {"customer": 1}, "销售 A"), ("5001", 0, "1000"))
    b.post(_day(10, 3), ("1122", "250", 0, {"customer": 2}, "销售 B"), ("5001", 0, "250"))
    b.post(_day(12, 3), ("1122", "40", 0, {"customer": 3}, "销售 C"), ("5001", 0, "40"))
    reader = actor(company.company_id, {"finance.report.view": "all", "finance.ledger.view": "all"})
    before = queries.aging(db, reader, kind="receivable", as_of_date=_day(15, 3))
    assert set(before["dimension_id"]) == {1, 2, 3}

    _merge(merge_customers, db, b.preparer, 1, 2)  # B into A
    assert _lines_of(db, 2) == 1  # the posted line still names B: never rewritten

    aging = queries.aging(db, reader, kind="receivable", as_of_date=_day(15, 3))
    rows = {r["dimension_id"]: r for r in aging.to_dict("records")}
    assert set(rows) == {1, 3}
    a = rows[1]
    assert (a["dimension_code"], a["balance"]) == ("C001", D("1250.00"))
    assert a["0-30"] == D("250.00") and a["61-90"] == D("1000.00")

    dims = queries.dimension_ledger(db, reader, dimension="customer", account_code="1122",
                                    period_from="2026-01", period_to="2026-03")
    assert {r.dimension_id: r.closing_debit for r in dims.itertuples()} == {1: D("1250.00"), 3: D("40.00")}
    assert list(dims["dimension_code"]) == ["C001", "C003"]

    # filtering by A includes B's lines (and by B, which now lives as A, shows the same)
    for who in (1, 2):
        lines = queries.drill_down(db, reader, account_code="1122", period_from="2026-01", period_to="2026-03",
                                   customer_id=who)
        assert sorted(lines["debit"]) == [D("250.00"), D("1000.00")]
    tb = queries.trial_balance(db, reader, period_from="2026-01", period_to="2026-03", customer_id=1)
    assert tb[tb["account_code"] == "1122"].iloc[0]["closing_debit"] == D("1250.00")
    only_c = queries.drill_down(db, reader, account_code="1122", period_from="2026-01", period_to="2026-03",
                                customer_id=3)
    assert list(only_c["debit"]) == [D("40.00")]

    # a chain: A (holding B) merged into C -> everything shows under C
    _merge(merge_customers, db, b.preparer, 3, 1)
    aging = queries.aging(db, reader, kind="receivable", as_of_date=_day(15, 3))
    assert [(r["dimension_id"], r["balance"]) for r in aging.to_dict("records")] == [(3, D("1290.00"))]
    lines = queries.drill_down(db, reader, account_code="1122", period_from="2026-01", period_to="2026-03",
                               customer_id=3)
    assert len(lines) == 3


def test_payables_and_balance_sheet_split_follow_supplier_merges(db, company, books):
    b = books
    # supplier 1 is owed 500 (credit); supplier 2 was prepaid 500 (debit on 2202): separately they show as
    # 应付账款 500 and 预付账款 500; once merged they net to zero
    b.post(_day(5), ("1405", "500", 0), ("220201", 0, "500", {"supplier": 1}))
    b.post(_day(6), ("220201", "500", 0, {"supplier": 2}), ("1002", 0, "500"))
    reader = actor(company.company_id, {"finance.report.view": "all"})
    payables = queries.aging(db, reader, kind="payable", as_of_date=_day(31))
    assert set(payables["dimension_id"]) == {1, 2}
    assert _payable_prepaid(db, reader) == (D("500.00"), D("500.00"))
    _merge(merge_suppliers, db, b.preparer, 1, 2)
    assert queries.aging(db, reader, kind="payable", as_of_date=_day(31)).empty
    dims = queries.dimension_ledger(db, reader, dimension="supplier", account_code="2202",
                                    period_from="2026-01", period_to="2026-01")
    assert [(r.dimension_id, r.closing_debit, r.closing_credit) for r in dims.itertuples()] == [
        (1, D("0.00"), D("0.00"))]
    assert _payable_prepaid(db, reader) == (D("0.00"), D("0.00"))  # split per supplier after mapping: net out


def _payable_prepaid(db, reader):
    sheet = queries.balance_sheet(db, reader, period="2026-01")
    amounts = {r["item"]: r["closing_amount"] for r in sheet.to_dict("records")}
    return (next(v for k, v in amounts.items() if "应付账款" in k), next(v for k, v in amounts.items() if "预付账款" in k))
