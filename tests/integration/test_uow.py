"""Unit of work and the use-case wrapper (DESIGN.md rules 2, 3 and 6), on every backend.

cosmicpython's three unit-of-work tests (uncommitted work is rolled back, an error rolls back, a concurrent
edit fails), then the wrapper: permission first, one transaction, one audit record, and the actor can only
ever be the second positional argument.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_core.kernel.errors import ConcurrencyError, Conflict, PermissionDenied
from erp_core.masterdata.models import Department
from erp_core.security.catalog import CATALOG
from erp_core.security.models import AuditLog
from erp_core.usecase import QUERIES, USE_CASES, Context, query, use_case
from tests.support.factories import actor

RENAME = "kerneltest.department.rename"
CREATE = "kerneltest.department.create"
VIEW = "kerneltest.department.view"


def _count(db, model, *where) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _audit_rows(db) -> list:
    cols = (AuditLog.seq, AuditLog.action, AuditLog.outcome, AuditLog.entity, AuditLog.entity_id,
            AuditLog.username, AuditLog.user_id, AuditLog.company_id, AuditLog.details)
    with db.uow(readonly=True) as uow:
        return list(uow.session.execute(select(*cols).order_by(AuditLog.seq)).all())


def _add_department(db, company_id: int, code: str = "D1", name: str = "销售部") -> int:
    with db.uow() as uow:
        dept = Department(company_id=company_id, code=code, name=name)
        uow.session.add(dept)
        uow.commit()
        return dept.id


def _name_of(db, dept_id: int) -> tuple[str, int]:
    with db.uow(readonly=True) as uow:
        dept = uow.session.get(Department, dept_id)
        return dept.name, dept.version


@pytest.fixture
def cases():
    """Use cases declared for these tests only, removed again afterwards so the permission catalog (and the
    roles seeded from it, and the access-matrix test generated from it) never sees them."""
    calls: list[str] = []

    @use_case(CREATE, zh="测试：新建部门", en="Test: create department")
    def create_department(ctx: Context, *, code: str, name: str, fail_after_write: bool = False) -> int:
        calls.append("create")
        dept = Department(company_id=ctx.company_id, code=code, name=name)
        ctx.session.add(dept)
        ctx.session.flush()
        ctx.audit("department", dept.id, code=code, name=name)
        if fail_after_write:
            raise RuntimeError("boom after the write")
        return dept.id

    @use_case(RENAME, zh="测试：部门改名", en="Test: rename department")
    def rename_department(ctx: Context, *, department_id: int, name: str, version: int | None = None) -> None:
        calls.append("rename")
        dept = ctx.session.get(Department, department_id)
        ctx.check_version(dept, version)
        ctx.diff(dept, name=name)
        ctx.audit("department", dept.id)
        if name == "冲突":
            raise Conflict("error.conflict")

    @query(VIEW, zh="测试：查看部门", en="Test: view departments")
    def department_names(ctx: Context) -> list[str]:
        calls.append("view")
        return list(ctx.session.execute(select(Department.name).where(
            Department.company_id == ctx.company_id).order_by(Department.id)).scalars())

    class Cases:
        create = staticmethod(create_department)
        rename = staticmethod(rename_department)
        view = staticmethod(department_names)

    Cases.calls = calls
    yield Cases
    for code in (CREATE, RENAME, VIEW):
        CATALOG.pop(code, None)
    for registry in (USE_CASES, QUERIES):
        for name in [n for n, p in registry.items() if p in (CREATE, RENAME, VIEW)]:
            del registry[name]


# --- unit of work -------------------------------------------------------------------------------------------

def test_uncommitted_work_is_rolled_back_by_default(db, company):
    with db.uow() as uow:
        uow.session.add(Department(company_id=company.company_id, code="D1", name="销售部"))
        uow.session.flush()
        assert uow.session.execute(select(func.count()).select_from(Department)).scalar_one() == 1
    assert _count(db, Department) == 0


def test_committed_work_is_kept(db, company):
    dept_id = _add_department(db, company.company_id)
    assert _name_of(db, dept_id) == ("销售部", 1)


def test_error_inside_unit_of_work_rolls_back(db, company):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.uow() as uow:
        uow.session.add(Department(company_id=company.company_id, code="D1", name="销售部"))
        uow.session.flush()
        raise Boom()
    assert _count(db, Department) == 0


def test_error_inside_use_case_rolls_everything_back_and_writes_no_audit_row(db, company, cases):
    who = actor(company.company_id, {CREATE: "all"})
    audit_before = _count(db, AuditLog)
    with pytest.raises(RuntimeError):
        cases.create(db, who, code="D1", name="销售部", fail_after_write=True)
    assert cases.calls == ["create"]
    assert _count(db, Department) == 0
    assert _count(db, AuditLog) == audit_before


def test_domain_error_inside_use_case_rolls_back_the_change(db, company, cases):
    dept_id = _add_department(db, company.company_id)
    who = actor(company.company_id, {RENAME: "all"})
    audit_before = _count(db, AuditLog)
    with pytest.raises(Conflict):
        cases.rename(db, who, department_id=dept_id, name="冲突")
    assert _name_of(db, dept_id) == ("销售部", 1)
    assert _count(db, AuditLog) == audit_before


def test_concurrent_edit_of_the_same_version_fails(db, company):
    """Two users load version 1; the first save wins, the second fails loudly instead of overwriting."""
    dept_id = _add_department(db, company.company_id)
    first, second = db.uow(), db.uow()
    with first, second:
        # Each user's form loads the record, and its transaction ends (SQLite allows one writer at a time).
        mine = first.session.get(Department, dept_id)
        first.commit()
        theirs = second.session.get(Department, dept_id)
        second.commit()
        assert mine.version == theirs.version == 1
        theirs.name = "市场部"
        second.commit()
        mine.name = "采购部"
        with pytest.raises(ConcurrencyError):
            first.commit()
    assert _name_of(db, dept_id) == ("市场部", 2)


def test_concurrent_edit_inside_open_transactions_fails(db, company, backend):
    """The same race with both transactions open at once (row-locking backends)."""
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE: two write transactions cannot overlap")
    dept_id = _add_department(db, company.company_id)
    with db.uow() as first, db.uow() as second:
        mine = first.session.get(Department, dept_id)
        theirs = second.session.get(Department, dept_id)
        theirs.name = "市场部"
        second.commit()
        mine.name = "采购部"
        with pytest.raises(ConcurrencyError):
            first.commit()
    assert _name_of(db, dept_id) == ("市场部", 2)


def test_stale_flush_inside_the_block_becomes_concurrency_error(db, company):
    """An autoflush that finds a stale version inside the block surfaces as ConcurrencyError too."""
    dept_id = _add_department(db, company.company_id)
    with db.uow() as first:
        mine = first.session.get(Department, dept_id)
        first.commit()
        with db.uow() as second:
            second.session.get(Department, dept_id).name = "市场部"
            second.commit()
        mine.name = "采购部"
        with pytest.raises(ConcurrencyError):
            with db.uow():
                first.session.flush()
    assert _name_of(db, dept_id) == ("市场部", 2)


# --- the use-case wrapper ----------------------------------------------------------------------------------

def test_use_case_commits_once_with_one_audit_row_naming_the_actor(db, company, cases):
    who = actor(company.company_id, {CREATE: "all"}, username="li.lei")
    before = _audit_rows(db)
    dept_id = cases.create(db, who, code="D1", name="销售部")
    rows = _audit_rows(db)[len(before):]
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.outcome, row.entity, row.entity_id) == (CREATE, "ok", "department", str(dept_id))
    assert (row.username, row.user_id, row.company_id) == ("li.lei", who.user_id, company.company_id)
    assert "销售部" in row.details
    assert _name_of(db, dept_id) == ("销售部", 1)


def test_edit_with_the_version_the_form_loaded(db, company, cases):
    dept_id = _add_department(db, company.company_id)
    who = actor(company.company_id, {RENAME: "all"})
    cases.rename(db, who, department_id=dept_id, name="市场部", version=1)
    assert _name_of(db, dept_id) == ("市场部", 2)
    audit_before = _count(db, AuditLog)
    with pytest.raises(ConcurrencyError) as err:
        cases.rename(db, who, department_id=dept_id, name="采购部", version=1)
    assert err.value.params == {"entity": "Department", "expected": 1, "actual": 2}
    assert _name_of(db, dept_id) == ("市场部", 2)
    assert _count(db, AuditLog) == audit_before


def test_audit_records_before_and_after_of_what_changed(db, company, cases):
    dept_id = _add_department(db, company.company_id)
    cases.rename(db, actor(company.company_id, {RENAME: "all"}), department_id=dept_id, name="市场部")
    last = _audit_rows(db)[-1]
    assert '"changes":{"name":["销售部","市场部"]}' in last.details


def test_denial_raises_is_audited_and_writes_nothing_else(db, company, cases):
    dept_id = _add_department(db, company.company_id)
    who = actor(company.company_id, {CREATE: "all"}, username="wang.wu")  # may create, not rename
    before = _audit_rows(db)
    with pytest.raises(PermissionDenied) as err:
        cases.rename(db, who, department_id=dept_id, name="市场部")
    assert err.value.params == {"permission": RENAME}
    assert cases.calls == []  # the use case never ran
    assert _name_of(db, dept_id) == ("销售部", 1)
    new = _audit_rows(db)[len(before):]
    assert [(r.action, r.outcome, r.username) for r in new] == [(RENAME, "denied", "wang.wu")]
    assert _count(db, Department) == 1


def test_denied_query_is_audited_and_allowed_query_writes_nothing(db, company, cases):
    _add_department(db, company.company_id)
    before = _count(db, AuditLog)
    assert cases.view(db, actor(company.company_id, {VIEW: "all"})) == ["销售部"]
    assert _count(db, AuditLog) == before
    with pytest.raises(PermissionDenied):
        cases.view(db, actor(company.company_id, {}))
    assert _count(db, AuditLog) == before + 1


def test_query_runs_in_a_read_only_transaction(db, company, cases, backend):
    """Nothing a query does is kept: its unit of work is never committed."""
    @query("kerneltest.sneaky.view", zh="测试：偷写", en="Test: sneaky write")
    def sneaky(ctx: Context) -> None:
        ctx.session.add(Department(company_id=ctx.company_id, code="X", name="偷偷写入"))
        ctx.session.flush()

    try:
        try:
            sneaky(db, actor(company.company_id, {"kerneltest.sneaky.view": "all"}))
        except Exception:  # a backend may refuse the write outright; either way nothing is kept
            pass
        assert _count(db, Department) == 0
    finally:
        CATALOG.pop("kerneltest.sneaky.view", None)
        for name in [n for n, p in QUERIES.items() if p == "kerneltest.sneaky.view"]:
            del QUERIES[name]


def test_actor_cannot_be_replaced_by_a_parameter(db, company, cases):
    weak = actor(company.company_id, {}, username="weak")
    strong = actor(company.company_id, {CREATE: "all"}, username="strong")
    audit_before = _count(db, AuditLog)
    # The actor is positional-only: a keyword cannot smuggle another one in.
    with pytest.raises(PermissionDenied):
        cases.create(db, weak, actor=strong, code="D1", name="销售部")
    with pytest.raises(TypeError):
        cases.create(db, strong, actor=weak, code="D1", name="销售部")
    # Something that merely looks like a user is refused before anything happens.
    for impostor in ("strong", {"username": "strong"}, None, strong.user_id):
        with pytest.raises(TypeError):
            cases.create(db, impostor, code="D1", name="销售部")
    assert _count(db, Department) == 0
    # Only the weak actor's refusal was recorded, under its own name.
    rows = _audit_rows(db)
    assert len(rows) == audit_before + 1
    assert (rows[-1].username, rows[-1].outcome) == ("weak", "denied")


def test_use_case_sees_the_actors_company_not_a_parameter(db, company, cases):
    who = actor(company.company_id, {CREATE: "all"})
    with pytest.raises(TypeError):
        cases.create(db, who, code="D1", name="销售部", company_id=company.company_id + 1)
    dept_id = cases.create(db, who, code="D2", name="财务部")
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Department, dept_id).company_id == company.company_id


def test_concurrent_use_cases_keep_the_audit_chain_intact(db, company, cases):
    """Use cases committing from many threads at once: every one gets its audit entry, the sequence has no
    gaps and the hash chain verifies (appenders queue on the chain head's row lock)."""
    import threading

    from erp_core.security.audit import verify_chain

    threads_n, per_thread = 6, 8
    who = actor(company.company_id, {CREATE: "all"})
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def worker(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                cases.create(db, who, code=f"T{t}-{i}", name=f"部门{t}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    before = _audit_rows(db)
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, f"concurrent use cases failed: {errors[:3]!r}"
    rows = _audit_rows(db)
    new = rows[len(before):]
    assert len(new) == threads_n * per_thread == _count(db, Department)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    with db.uow(readonly=True) as uow:
        assert verify_chain(uow.session) is None


def test_two_users_saving_the_same_version_at_once(db, company, backend):
    """Two use cases edit the same record from the same form version at the same moment: exactly one wins,
    the other gets ConcurrencyError, and the record shows the winner's change. On PostgreSQL/MariaDB both
    transactions are forced to overlap (both have read version 1 before either writes); SQLite serialises
    writers, so there the loser's version check fails."""
    import threading

    dept_id = _add_department(db, company.company_id)
    overlap = threading.Barrier(2, timeout=20) if backend != "sqlite" else None
    perm = "kerneltest.department.edit"

    @use_case(perm, zh="测试：并发编辑", en="Test: concurrent edit")
    def edit(ctx: Context, *, name: str, version: int) -> None:
        dept = ctx.session.get(Department, dept_id)
        ctx.check_version(dept, version)
        if overlap is not None:
            overlap.wait()  # both have loaded version 1
        dept.name = name
        ctx.session.flush()

    outcomes: dict[str, str] = {}

    def user(name: str) -> None:
        try:
            edit(db, actor(company.company_id, {perm: "all"}), name=name, version=1)
            outcomes[name] = "saved"
        except ConcurrencyError:
            outcomes[name] = "conflict"
        except BaseException as exc:  # noqa: BLE001
            outcomes[name] = repr(exc)

    try:
        threads = [threading.Thread(target=user, args=(n,)) for n in ("市场部", "采购部")]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
    finally:
        CATALOG.pop(perm, None)
        for name in [n for n, p in USE_CASES.items() if p == perm]:
            del USE_CASES[name]
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner = next(n for n, o in outcomes.items() if o == "saved")
    assert _name_of(db, dept_id) == (winner, 2)
