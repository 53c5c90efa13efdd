"""Gap-free document numbers (DESIGN.md rule 7): allocated inside the caller's transaction, so a rolled-back
document gives its number back, and concurrent allocators queue instead of colliding — on every backend."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from erp_core.kernel.numbering import DocSequence, allocate_number
from erp_core.masterdata.models import Company

THREADS, PER_THREAD = 8, 25


class _Deliberate(Exception):
    pass


def _second_company(db) -> int:
    with db.uow() as uow:
        other = Company(name="第二公司", tax_id="91110000000000000X")
        uow.session.add(other)
        uow.commit()
        return other.id


def _allocate(db, company_id: int, doc_type: str, period: str = "", *, commit: bool = True) -> int:
    with db.uow() as uow:
        n = allocate_number(uow.session, company_id, doc_type, period)
        if commit:
            uow.commit()
        return n


def test_numbers_start_at_one_and_increase(db, company):
    cid = company.company_id
    assert [_allocate(db, cid, "voucher.ji", "2026-11") for _ in range(3)] == [1, 2, 3]


def test_rolled_back_allocation_gives_its_number_back(db, company):
    cid = company.company_id
    assert _allocate(db, cid, "voucher.ji", "2026-11") == 1
    assert _allocate(db, cid, "voucher.ji", "2026-11", commit=False) == 2
    with pytest.raises(_Deliberate), db.uow() as uow:
        assert allocate_number(uow.session, cid, "voucher.ji", "2026-11") == 2
        raise _Deliberate()
    assert _allocate(db, cid, "voucher.ji", "2026-11") == 2


def test_series_are_independent_per_company_type_and_period(db, company):
    a, b = company.company_id, _second_company(db)
    got = Counter()
    for company_id in (a, b):
        for doc_type in ("voucher.ji", "sales.order"):
            for period in ("2026-11", "2026-12", ""):
                for expected in (1, 2):
                    assert _allocate(db, company_id, doc_type, period) == expected
                    got[(company_id, doc_type, period)] += 1
    with db.uow(readonly=True) as uow:
        stored = {(r.company_id, r.doc_type, r.period): r.last_value
                  for r in uow.session.execute(select(DocSequence)).scalars()}
    assert stored == dict(got) and set(stored.values()) == {2}


def test_concurrent_allocation_has_no_gaps_and_no_duplicates(db, company):
    """8 threads x 25 allocations, each in its own unit of work; every third one rolls back on purpose.
    The committed numbers must be exactly 1..K."""
    cid = company.company_id
    committed: list[int] = []
    rolled_back: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                keep = (t + i) % 3 != 0
                with db.uow() as uow:
                    n = allocate_number(uow.session, cid, "voucher.ji", "2026-11")
                    if keep:
                        uow.commit()
                with lock:
                    (committed if keep else rolled_back).append(n)
        except BaseException as exc:  # noqa: BLE001 - reported below with the thread's story
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "allocators hung"
    assert not errors, f"allocation failed under concurrency: {errors[:3]!r}"

    k = len(committed)
    assert k + len(rolled_back) == THREADS * PER_THREAD
    duplicates = [n for n, c in Counter(committed).items() if c > 1]
    assert not duplicates, f"duplicate numbers committed: {sorted(duplicates)[:10]}"
    assert sorted(committed) == list(range(1, k + 1)), "committed numbers have gaps"
    assert _allocate(db, cid, "voucher.ji", "2026-11") == k + 1


def test_concurrent_first_allocation_of_a_new_series(db, company):
    """The very first number of a series (the counter row does not exist yet) under a race."""
    cid = company.company_id
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            start.wait()
            results.append(_allocate(db, cid, "sales.order", "2026-12"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, f"first allocation failed under concurrency: {errors[:3]!r}"
    assert sorted(results) == list(range(1, THREADS + 1))
