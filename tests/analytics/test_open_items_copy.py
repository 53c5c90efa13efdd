"""The DuckDB copy of the open items (erp_core/analytics/open_items.py): after every batch of random changes
(invoices posted at once or left as drafts and posted later, red copies, partial and full settlements and their
reversals, purchase invoices, customers' payment terms) the receivables aging (both bases, with and without
items), the overdue list and the payables aging read from the copy equal the operational store's exactly, as of
several dates. Storage test: all backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from erp_core.analytics import engine as analytics_engine
from erp_core.analytics import open_items as aoi
from erp_core.billing import queries as bq
from erp_core.billing.models import SalesInvoice
from erp_core.masterdata.models_partners import Customer, Supplier
from erp_core.purchasing.models import PurchaseInvoice
from erp_core.settlement import queries as sq
from erp_core.settlement.models import Settlement
from erp_core.usecase import Context
from tests.support.factories import admin_actor

START = dt.date(2026, 1, 1)
AS_OF = [dt.date(2026, 1, 15), dt.date(2026, 2, 28), dt.date(2026, 4, 30), dt.date(2026, 12, 31)]
NOW = dt.datetime(2026, 6, 1, 8, 0)


@pytest.fixture
def store(db, company):
    admin = admin_actor(db, company)
    cid = company.company_id
    with db.uow() as uow:
        s = uow.session
        for i, terms in enumerate((None, 0, 30, 45)):
            s.execute(insert(Customer).values(company_id=cid, code=f"C{i}", name=f"客户{i}", name_norm=f"客户{i}",
                                              payment_terms_days=terms, active=True, version=1, created_at=NOW))
            s.execute(insert(Supplier).values(company_id=cid, code=f"V{i}", name=f"供应商{i}", name_norm=f"供应商{i}",
                                              payment_terms_days=terms, active=True, version=1, created_at=NOW))
        customers = list(s.execute(select(Customer.id).where(Customer.company_id == cid)).scalars())
        suppliers = list(s.execute(select(Supplier.id).where(Supplier.company_id == cid)).scalars())
        uow.commit()
    yield {"db": db, "admin": admin, "cid": cid, "customers": customers, "suppliers": suppliers,
           "n": itertools.count(1), "docs": []}
    analytics_engine.forget(db, delete=True)


# one change: ("inv", customer index, day offset, amount fen, red?, with due date?, posted?)
#             ("pinv", supplier index, day offset, amount fen, posted?)
#             ("post", which draft) / ("settle", which document, fraction %, day offset) / ("reverse", which row)
changes = st.lists(st.one_of(
    st.tuples(st.just("inv"), st.integers(0, 3), st.integers(0, 200), st.integers(1, 5_000_000), st.booleans(),
              st.booleans(), st.booleans()),
    st.tuples(st.just("pinv"), st.integers(0, 3), st.integers(0, 200), st.integers(1, 5_000_000), st.booleans()),
    st.tuples(st.just("post"), st.integers(0, 50)),
    st.tuples(st.just("settle"), st.integers(0, 50), st.integers(1, 100), st.integers(0, 120)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
), min_size=1, max_size=12)


def _apply(store, batch) -> None:
    db, cid = store["db"], store["cid"]
    with db.uow() as uow:
        s = uow.session
        for ch in batch:
            n = next(store["n"])
            if ch[0] in ("inv", "pinv"):
                sales = ch[0] == "inv"
                model = SalesInvoice if sales else PurchaseInvoice
                partner = (store["customers"] if sales else store["suppliers"])[ch[1]]
                day = START + dt.timedelta(days=ch[2])
                amount = Decimal(ch[3]).scaleb(-2) * (-1 if sales and ch[4] else 1)
                posted = ch[6] if sales else ch[4]
                values = dict(company_id=cid, number=f"{'SI' if sales else 'PI'}-{n:05d}", doc_date=day,
                              period=day.strftime("%Y-%m"), status="posted" if posted else "draft", progress="open",
                              remarks=f"r{n}", attachments=0, partner_id=partner, total=amount, created_at=NOW,
                              posted_at=NOW if posted else None, version=1, net_total=amount, tax_total=0)
                if sales:
                    values.update(red=ch[4], due_date=day + dt.timedelta(days=20) if ch[5] else None)
                doc_id = s.execute(insert(model).values(**values)).inserted_primary_key[0]
                store["docs"].append([model, doc_id, amount, partner, day, posted, Decimal(0)])
            elif ch[0] == "post":
                drafts = [d for d in store["docs"] if not d[5]]
                if drafts:
                    d = drafts[ch[1] % len(drafts)]
                    s.execute(update(d[0]).where(d[0].id == d[1]).values(status="posted", posted_at=NOW))
                    d[5] = True
            elif ch[0] == "settle":
                posted = [d for d in store["docs"] if d[5] and d[2] != d[6]]
                if posted:
                    d = posted[ch[1] % len(posted)]
                    amount = ((d[2] - d[6]) * ch[2] / 100).quantize(Decimal("0.01"))
                    if amount:
                        _settle(s, cid, d, amount, d[4] + dt.timedelta(days=ch[3]), None)
            elif ch[0] == "reverse":
                rows = list(s.execute(select(Settlement).where(Settlement.company_id == cid,
                                                               Settlement.reverses_id.is_(None))).scalars())
                done = set(s.execute(select(Settlement.reverses_id).where(
                    Settlement.reverses_id.is_not(None))).scalars())
                rows = [r for r in rows if r.id not in done]
                if rows:
                    r = rows[ch[1] % len(rows)]
                    d = next(x for x in store["docs"] if x[1] == r.item_id and
                             (x[0] is SalesInvoice) == (r.item_type == "sales_invoice"))
                    _settle(s, cid, d, -r.amount, r.settle_date + dt.timedelta(days=3), r.id)
        uow.commit()


def _settle(s, cid, d, amount, day, reverses_id) -> None:
    sales = d[0] is SalesInvoice
    s.execute(insert(Settlement).values(
        company_id=cid, kind="receivable" if sales else "payable", partner_id=d[3],
        item_type="sales_invoice" if sales else "purchase_invoice", item_id=d[1], item_number="X",
        source_type="receipt" if sales else "payment", source_id=1, source_number="S", amount=amount,
        settle_date=day, reverses_id=reverses_id, created_at=NOW))
    d[6] += amount


def _compare(store) -> None:
    db, cid = store["db"], store["cid"]
    aoi.sync(analytics_engine.engine_for(db))
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, store["admin"], bq.AR_VIEW[0], db, company_id=cid)
        for as_of in AS_OF:
            for basis in ("doc_date", "due_date"):
                want = bq.aging_of(ctx, cid, as_of, basis)
                got = bq.aging_from_copy(db, cid, as_of, basis)
                assert (got.rows, got.totals, got.items) == (want.rows, want.totals, want.items), (as_of, basis)
                sums = bq.aging_from_copy(db, cid, as_of, basis, items=False)
                assert (sums.rows, sums.totals) == (want.rows, want.totals), (as_of, basis)
            assert bq.report_rows(bq.aging_from_copy(db, cid, as_of), True) == bq.report_rows(want, True)
            pctx = Context(uow.session, store["admin"], sq.PAYABLES_VIEW[0], db, company_id=cid)
            pw, pg = sq.payables_aging_of(pctx, cid, as_of), sq.payables_aging_from_copy(db, cid, as_of)
            assert (pg.rows, pg.totals, pg.items) == (pw.rows, pw.totals, pw.items), as_of


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(changes, min_size=1, max_size=3))
def test_the_copy_agrees_with_the_operational_store_after_every_batch(store, batches):
    for batch in batches:
        _apply(store, batch)
        _compare(store)


def test_incremental_sync_reads_only_what_is_new_and_picks_up_later_postings(store):
    db = store["db"]
    _apply(store, [("inv", 0, 1, 10_000, False, True, True), ("inv", 1, 2, 20_000, False, False, False)])
    eng = analytics_engine.engine_for(db)
    aoi.sync(eng)
    cur = eng.cursor()
    assert cur.execute("SELECT count(*) FROM oi_doc").fetchone()[0] == 1
    assert cur.execute("SELECT count(*) FROM oi_pending WHERE tbl = 'sales_invoice' AND NOT missing"
                       ).fetchone()[0] == 1  # the draft waits
    _apply(store, [("post", 0), ("settle", 0, 50, 3)])
    aoi.sync(eng)
    assert cur.execute("SELECT count(*) FROM oi_doc").fetchone()[0] == 2
    assert cur.execute("SELECT count(*) FROM oi_settle").fetchone()[0] == 1
    assert cur.execute("SELECT count(*) FROM oi_pending WHERE NOT missing").fetchone()[0] == 0
    aoi.sync(eng)  # nothing new: nothing copied twice
    assert cur.execute("SELECT count(*) FROM oi_doc").fetchone()[0] == 2
    cur.close()
    _compare(store)


def test_a_replaced_store_is_copied_again(store):
    db = store["db"]
    _apply(store, [("inv", 0, 1, 10_000, False, True, True), ("settle", 0, 100, 1)])
    eng = analytics_engine.engine_for(db)
    aoi.sync(eng)
    cur = eng.cursor()
    # the copy says something else about the row at its watermark: as if the store had been replaced
    cur.execute("UPDATE oi_state SET fingerprint = 'another store' WHERE tbl = 'settlement'")
    cur.execute("INSERT INTO oi_doc SELECT * FROM oi_doc")  # a stale extra copy that the rebuild drops
    aoi.sync(eng)
    assert cur.execute("SELECT count(*) FROM oi_doc").fetchone()[0] == 1
    cur.close()
    _compare(store)


def test_the_receivables_reports_apply_the_row_scope(store):
    """A salesperson (own), a department and a project grant each see only the open items whose invoice
    (department, project, creator) or customer (department, salesperson) is within the grant; a grant that
    reaches nothing sees nothing; the whole company's grant sees everything (and equals the operational store)."""
    from erp_core.kernel.actor import Scope
    from erp_core.masterdata.org_services import create_department
    from tests.support.factories import actor

    db, cid, admin = store["db"], store["cid"], store["admin"]
    north = create_department(db, admin, code="N", name="北区")
    south = create_department(db, admin, code="S", name="南区")
    c0, c1, c2, c3 = store["customers"]
    seller = admin.user_id
    with db.uow() as uow:  # C1 belongs to the north department, C2 is the seller's customer
        uow.session.execute(update(Customer).where(Customer.id == c1).values(department_id=north))
        uow.session.execute(update(Customer).where(Customer.id == c2).values(owner_id=seller))
        uow.commit()
    # invoice -> (customer index, department, project, creator)
    facts = {"A": (0, north, None, None), "B": (0, south, 7, None), "C": (1, None, None, None),
             "D": (2, None, None, None), "E": (3, None, 8, seller), "F": (3, south, None, None)}
    with db.uow() as uow:
        for i, (number, (cust, dep, proj, creator)) in enumerate(facts.items()):
            day = START + dt.timedelta(days=i)
            uow.session.execute(insert(SalesInvoice).values(
                company_id=cid, number=number, doc_date=day, period=day.strftime("%Y-%m"), status="posted",
                progress="open", remarks="", attachments=0, partner_id=store["customers"][cust],
                total=Decimal("100.00") * (i + 1), created_at=NOW, posted_at=NOW, version=1, net_total=0,
                tax_total=0, red=False, department_id=dep, project_id=proj, created_by=creator))
        uow.commit()
    as_of = dt.date(2026, 3, 31)
    view = "finance.receivables.view"

    def seen(who):
        report = bq.receivables_report(db, who, as_of=as_of)
        aging = bq.receivables_aging(db, who, as_of=as_of, items=False)
        assert aging.totals["open"] == sum((r["outstanding"] for r in report), Decimal(0))
        return sorted(r["invoice_no"] for r in report)

    everything = seen(actor(cid, {view: Scope.ALL}))
    assert everything == ["A", "B", "C", "D", "E", "F"]
    with db.uow(readonly=True) as uow:
        ctx = Context(uow.session, admin, view, db, company_id=cid)
        assert bq.receivables_report(db, admin, as_of=as_of) == bq.report_rows(bq.aging_of(ctx, cid, as_of))
    assert seen(actor(cid, {view: Scope.DEPARTMENT}, department_ids=frozenset({north}))) == ["A", "C"]
    assert seen(actor(cid, {view: Scope.DEPARTMENT}, department_ids=frozenset({south}))) == ["B", "F"]
    assert seen(actor(cid, {view: Scope.OWN}, user_id=seller)) == ["D", "E"]  # their customer + what they made
    assert seen(actor(cid, {view: Scope.PROJECT}, user_id=99_999)) == []  # no project: nothing
    assert seen(dataclasses.replace(actor(cid, {view: Scope.PROJECT}, user_id=99_998),
                                    project_ids=frozenset({7}))) == ["B"]
    assert seen(actor(cid, {view: Scope.OWN}, user_id=99_997)) == []
    # the overdue list narrows the same way
    overdue = bq.receivables_report(db, actor(cid, {view: Scope.OWN}, user_id=seller), as_of=as_of,
                                    overdue_only=True)
    assert {r["invoice_no"] for r in overdue} == {"D", "E"}


def test_readers_and_a_writer_together_read_whole_batches_and_never_deadlock(store):
    """Six readers of the aging while a writer commits batches (an invoice and a partial settlement, with the audit
    entry every use case writes): each read shows the open total after a whole number of batches (never half of
    one), no thread waits for ever, and once the writer is done a read shows everything."""
    import threading

    from erp_core.security import audit

    db, cid, admin = store["db"], store["cid"], store["admin"]
    as_of = dt.date(2026, 12, 31)
    totals = [Decimal(0)]
    for k in range(1, 13):
        totals.append(totals[-1] + Decimal(k * 100) - Decimal(k * 10))
    seen: list[Decimal] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def writer():
        try:
            for k in range(1, 13):
                with db.uow() as uow:
                    s = uow.session
                    inv = s.execute(insert(SalesInvoice).values(
                        company_id=cid, number=f"W{k}", doc_date=START, period="2026-01", status="posted",
                        progress="open", remarks="", attachments=0, partner_id=store["customers"][0],
                        total=Decimal(k * 100), created_at=NOW, posted_at=NOW, version=1, net_total=0, tax_total=0,
                        red=False)).inserted_primary_key[0]
                    s.execute(insert(Settlement).values(
                        company_id=cid, kind="receivable", partner_id=store["customers"][0],
                        item_type="sales_invoice", item_id=inv, item_number=f"W{k}", source_type="receipt",
                        source_id=k, source_number=f"R{k}", amount=Decimal(k * 10), settle_date=START,
                        created_at=NOW))
                    audit.append(s, admin, action="test.batch", entity="sales_invoice", entity_id=inv)
                    uow.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            done.set()

    def reader():
        try:
            while not done.is_set():
                seen.append(bq.aging_from_copy(db, cid, as_of, items=False).totals["open"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=t, daemon=True) for t in (writer, *[reader] * 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not [t for t in threads if t.is_alive()], "a thread still runs after 180 s: deadlock"
    assert errors == []
    assert seen and set(seen) <= set(totals)
    assert bq.aging_from_copy(db, cid, as_of, items=False).totals["open"] == totals[-1]
