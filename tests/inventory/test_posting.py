"""post_stock_moves: the only writer of the stock ledger (all backends): validation naming fields, nothing written
on refusal, idempotency by posting key, gap-free move_seq, closed periods, the append-only guard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from erp_core.db.append_only import is_append_only_violation
from erp_core.inventory.models import StockMove, StockPosting
from erp_core.inventory.posting import move_amount
from erp_core.kernel.errors import Conflict, ValidationError, ValidationErrors
from erp_core.ledger.models import AccountingPeriod
from tests.inventory.support import DAY, allow_negative, build, counts, post, problems


@pytest.fixture
def stock(db, company):
    return build(db, company)


def _mv(st, wh="WH01", product="P1", qty="10", cost="2.5", move_type="opening", **kw):
    return {"warehouse_id": st.warehouses[wh], "product_id": st.products[product], "quantity": Decimal(qty),
            "unit_cost": Decimal(cost), "move_type": move_type, **kw}


def test_amount_is_quantity_times_cost_rounded_half_up_to_the_fen():
    assert move_amount(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005 -> 1.01 (half up)
    assert move_amount(Decimal("-3"), Decimal("0.335")) == Decimal("-1.01")  # symmetric for issues
    assert move_amount(Decimal("1.5"), Decimal("0.003333")) == Decimal("0.00")


def test_posting_writes_moves_with_gap_free_sequence_and_exact_amounts(db, stock):
    allow_negative(db, stock)  # the issue of P3 below has nothing on hand
    r1 = post(db, stock.admin, moves=[_mv(stock), _mv(stock, "WH02", "P2", "3", "0.335",
                                                      location_id=stock.locations["B1"])],
              posting_key="k1", move_date=DAY, source_type="test", source_ref="T-1")
    r2 = post(db, stock.admin, moves=[_mv(stock, product="P3", qty="-4", cost="1.25", move_type="issue")],
              posting_key="k2", move_date=DAY + dt.timedelta(days=40))
    assert (r1.first_seq, r1.move_count, r2.first_seq, r2.move_count) == (1, 2, 3, 1)
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(StockMove.move_seq, StockMove.quantity, StockMove.unit_cost,
                                          StockMove.amount, StockMove.period, StockMove.location_id,
                                          StockMove.posting_id, StockMove.source_ref)
                                   .order_by(StockMove.move_seq)).all()
    assert [tuple(r[:5]) for r in rows] == [
        (1, Decimal("10"), Decimal("2.5"), Decimal("25.00"), "2026-01"),
        (2, Decimal("3"), Decimal("0.335"), Decimal("1.01"), "2026-01"),
        (3, Decimal("-4"), Decimal("1.25"), Decimal("-5.00"), "2026-02")]
    assert rows[1].location_id == stock.locations["B1"] and rows[0].source_ref == "T-1"
    assert rows[0].posting_id == rows[1].posting_id == r1.posting_id != r2.posting_id


def test_same_key_same_content_replays_other_content_conflicts(db, stock):
    first = post(db, stock.admin, moves=[_mv(stock)], posting_key="open:1", move_date=DAY)
    again = post(db, stock.admin, moves=[_mv(stock, qty="10.000", cost="2.50")], posting_key="open:1",
                 move_date=DAY)
    assert again.replayed and (again.posting_id, again.first_seq, again.move_count) == \
        (first.posting_id, first.first_seq, 1)
    assert counts(db) == (1, 1)
    for other in ({"moves": [_mv(stock, qty="11")], "move_date": DAY},
                  {"moves": [_mv(stock)], "move_date": DAY + dt.timedelta(days=1)},
                  {"moves": [_mv(stock, "WH02")], "move_date": DAY}):
        with pytest.raises(Conflict) as err:
            post(db, stock.admin, posting_key="open:1", **other)
        assert err.value.message_id == "error.inventory.posting_key_mismatch"
    assert counts(db) == (1, 1)


def test_every_validation_problem_names_its_field_and_line_and_nothing_is_written(db, stock):
    post(db, stock.admin, moves=[_mv(stock)], posting_key="earlier", move_date=DAY)
    before = counts(db)
    moves = [
        _mv(stock, product="S1"),                                           # 1 service
        _mv(stock, product="P9"),                                           # 2 inactive product
        _mv(stock, wh="WH09", product="P2"),                                # 3 inactive warehouse
        _mv(stock, product="P2", location_id=stock.locations["B1"]),        # 4 location of another warehouse
        _mv(stock, product="P1"),                                           # 5 opening exists (key "earlier")
        {**_mv(stock, product="P2"), "product_id": 999_999},                # 6 unknown product
        {**_mv(stock, product="P2"), "warehouse_id": 999_999},              # 7 unknown warehouse
    ]
    with pytest.raises(ValidationErrors) as err:
        post(db, stock.admin, moves=moves, posting_key="bad", move_date=DAY)
    assert problems(err.value) == {
        ("error.inventory.not_stock_item", "field.inventory.product", 1),
        ("error.inventory.product_inactive", "field.inventory.product", 2),
        ("error.inventory.warehouse_inactive", "field.inventory.warehouse", 3),
        ("error.inventory.location_other_warehouse", "field.inventory.location", 4),
        ("error.inventory.opening_exists", "field.inventory.product", 5),
        ("error.inventory.unknown_product", "field.inventory.product", 6),
        ("error.inventory.unknown_warehouse", "field.inventory.warehouse", 7)}
    shape = [_mv(stock, qty="0"), _mv(stock, cost="-1"), _mv(stock, qty="-2"),  # opening must be > 0
             _mv(stock, move_type="issue", qty="2"), _mv(stock, move_type="teleport"),
             _mv(stock, qty="1.0000001"), {**_mv(stock), "quantity": "abc"},
             _mv(stock, qty="3", cost="0.335", amount=Decimal("1.00"))]
    with pytest.raises(ValidationErrors) as err:
        post(db, stock.admin, moves=shape, posting_key="bad2", move_date=DAY)
    assert problems(err.value) == {
        ("error.inventory.quantity_zero", "field.inventory.quantity", 1),
        ("error.inventory.cost_negative", "field.inventory.unit_cost", 2),
        ("error.inventory.quantity_sign", "field.inventory.quantity", 3),
        ("error.inventory.quantity_sign", "field.inventory.quantity", 4),
        ("error.inventory.move_type", "field.inventory.move_type", 5),
        ("error.inventory.decimals", "field.inventory.quantity", 6),
        ("error.inventory.number", "field.inventory.quantity", 7),
        ("error.inventory.amount_mismatch", "field.inventory.amount", 8)}
    with pytest.raises(ValidationError) as one:
        post(db, stock.admin, moves=[], posting_key="bad3", move_date=DAY)
    assert one.value.message_id == "error.inventory.no_moves"
    assert counts(db) == before


def test_a_closed_period_is_refused(db, stock):
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=stock.company_id, period="2026-01", status="closed"))
        uow.commit()
    with pytest.raises(ValidationError) as err:
        post(db, stock.admin, moves=[_mv(stock)], posting_key="closed", move_date=DAY)
    assert (err.value.message_id, err.value.field) == ("error.inventory.period_closed", "field.inventory.move_date")
    assert counts(db) == (0, 0)
    post(db, stock.admin, moves=[_mv(stock)], posting_key="open", move_date=dt.date(2026, 2, 1))
    assert counts(db) == (1, 1)


def test_nothing_goes_before_a_closed_period(db, stock):
    with db.uow() as uow:
        uow.session.add(AccountingPeriod(company_id=stock.company_id, period="2026-03", status="closed"))
        uow.commit()
    with pytest.raises(ValidationError) as err:
        post(db, stock.admin, moves=[_mv(stock)], posting_key="early", move_date=dt.date(2025, 12, 31))
    assert (err.value.message_id, err.value.field, err.value.params["later"]) == \
        ("error.inventory.before_closed", "field.inventory.move_date", "2026-03")
    assert counts(db) == (0, 0)
    post(db, stock.admin, moves=[_mv(stock)], posting_key="after", move_date=dt.date(2026, 4, 1))
    assert counts(db) == (1, 1)


def test_a_refused_posting_leaves_no_gap_in_move_seq(db, stock):
    post(db, stock.admin, moves=[_mv(stock)], posting_key="a", move_date=DAY)
    with pytest.raises(ValidationError):
        post(db, stock.admin, moves=[_mv(stock, product="S1")], posting_key="b", move_date=DAY)
    post(db, stock.admin, moves=[_mv(stock, product="P2"), _mv(stock, product="P3")], posting_key="c",
         move_date=DAY)
    with db.uow(readonly=True) as uow:
        seqs = list(uow.session.execute(select(StockMove.move_seq).order_by(StockMove.move_seq)).scalars())
    assert seqs == [1, 2, 3]


def test_other_company_records_are_unknown(db, stock):
    # setup runs once per database, so the second company and its records are raw rows
    from erp_core.masterdata.models import Company
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_warehouse import Warehouse
    from tests.support.factories import actor

    with db.uow() as uow:
        other = Company(name="其他公司", tax_id="91330100MA27XL0J9A")
        uow.session.add(other)
        uow.session.flush()
        wh = Warehouse(company_id=other.id, code="W", name="外仓", version=1)
        prod = Product(company_id=other.id, code="X", name="外品", version=1)
        uow.session.add_all([wh, prod])
        uow.session.commit()
        other_id, wh_id, prod_id = other.id, wh.id, prod.id
    with pytest.raises(ValidationErrors) as err:
        post(db, stock.admin, moves=[{**_mv(stock), "warehouse_id": wh_id, "product_id": prod_id}],
             posting_key="x", move_date=DAY)
    assert problems(err.value) == {("error.inventory.unknown_warehouse", "field.inventory.warehouse", 1),
                                   ("error.inventory.unknown_product", "field.inventory.product", 1)}
    with pytest.raises(ValidationErrors):
        post(db, actor(other_id), moves=[_mv(stock)], posting_key="x", move_date=DAY)
    assert counts(db) == (0, 0)


def _refused(db, stmt) -> None:
    with pytest.raises(DBAPIError) as err, db.engine.begin() as conn:
        conn.execute(stmt)
    assert is_append_only_violation(err.value), err.value.orig


def test_stock_ledger_rows_refuse_update_and_delete(db, stock):
    post(db, stock.admin, moves=[_mv(stock)], posting_key="guarded", move_date=DAY)
    _refused(db, update(StockMove).values(quantity=Decimal("99")))
    _refused(db, delete(StockMove))
    _refused(db, update(StockPosting).values(content_hash="x"))
    _refused(db, delete(StockPosting))
    _refused(db, text("UPDATE stock_move SET amount = 0"))
    with db.uow(readonly=True) as uow:
        row = uow.session.execute(select(StockMove.quantity, StockMove.amount)).one()
    assert tuple(row) == (Decimal("10"), Decimal("25.00"))


def test_erp_check_finds_a_gap_or_a_posting_that_lost_a_move(db, stock):
    """`erp check` runs the stock invariants: clean after postings; after someone with database access drops the
    guard and deletes a move, both the sequence gap and the posting that lost its move are named."""
    from erp_core.checks import run_checks
    from erp_core.db.append_only import drop_ddl
    from erp_core.inventory.invariants import stock_problems

    post(db, stock.admin, moves=[_mv(stock), _mv(stock, "WH02", "P2")], posting_key="k1", move_date=DAY)
    post(db, stock.admin, moves=[_mv(stock, product="P3")], posting_key="k2", move_date=DAY)
    assert dict(run_checks(db))["stock"] == []
    with db.engine.begin() as conn:
        for stmt in drop_ddl(db.engine.dialect.name, "stock_move"):
            conn.execute(text(stmt))
        conn.execute(text("DELETE FROM stock_move WHERE move_seq = 2"))
    with db.uow(readonly=True) as uow:
        found = [(p.message_id, p.params) for p in stock_problems(uow.session)]
    assert found == [("check.problem.stock.seq_gap", {"company": stock.company_id, "count": 2, "max": 3}),
                     ("check.problem.stock.posting_mismatch", {"key": "k1"})]
    assert all("{" not in p.render(loc) for loc in ("zh_CN", "en") for p in dict(run_checks(db))["stock"])
