"""Issue #11 item 3: an import checks row scope on the record as it is now AND as the row leaves it (records.edit's
rule). A department-scoped clerk importing another department's code with department=<own> or owner=<self> used
to take the record over; now the row is a problem and nothing is written, for every importable record kind."""

import datetime as dt

import pytest
from sqlalchemy import select

from erp_core.io import import_services as imp
from erp_core.io import org_kinds, tabular
from erp_core.io.export import to_csv_bytes
from erp_core.io.importer import ImportFailed, kinds, read_table
from erp_core.masterdata.models import Department
from erp_core.masterdata.models_partners import Customer, Supplier
from erp_core.security.models import User
from tests.support.factories import actor, admin_actor


@pytest.fixture
def world(db, company):
    """Departments D1 (the clerk's) and D2 (someone else's), a clerk user (a real user, so owner=<clerk> resolves)
    and, per kind, nothing yet."""
    result = company
    admin = admin_actor(db, result)
    with db.uow() as uow:
        d1 = Department(company_id=admin.company_id, code="D1", name="一部")
        d2 = Department(company_id=admin.company_id, code="D2", name="二部")
        clerk = User(company_id=admin.company_id, username="clerk1", display_name="业务员甲", password_hash="x",
                     department_id=None, created_at=dt.datetime(2026, 1, 1))
        uow.session.add_all([d1, d2, clerk])
        uow.commit()
        ids = {"D1": d1.id, "D2": d2.id, "clerk": clerk.id}
    return admin, ids


def _clerk(admin, ids, permission: str):
    return actor(admin.company_id, {permission: "department"}, user_id=ids["clerk"], username="clerk1",
                 department_ids=frozenset({ids["D1"]}))


def _state(db, model, code):
    with db.uow(readonly=True) as uow:
        obj = uow.session.execute(select(model).where(model.code == code)).scalar_one()
        return {"name": obj.name, "department_id": obj.department_id, "owner_id": obj.owner_id,
                "version": obj.version}


@pytest.mark.parametrize("kind,model", [("customers", Customer), ("suppliers", Supplier)])
@pytest.mark.parametrize("takeover", ["department", "owner", "both"])
def test_clerk_cannot_take_over_another_departments_partner(db, world, kind, model, takeover):
    admin, ids = world
    imp.COMMITS[kind](db, admin, read_table("code,name,department\nX1,二部的客户,D2\n".encode(), "x.csv"))
    before = _state(db, model, "X1")
    clerk = _clerk(admin, ids, imp.COMMITS[kind].permission)
    cells = {"department": "D1", "owner": "clerk1"}
    cols = ["department", "owner"] if takeover == "both" else [takeover]
    data = ("code,name," + ",".join(cols) + "\nX1,抢过来," + ",".join(cells[c] for c in cols) + "\n").encode()
    report = imp.DRY_RUNS[kind](db, clerk, read_table(data, "x.csv"))
    assert [(p.row, p.column, p.message_id) for p in report.problems] == [(2, "code", "error.permission_denied")]
    with pytest.raises(ImportFailed):
        imp.COMMITS[kind](db, clerk, read_table(data, "x.csv"))
    assert _state(db, model, "X1") == before  # nothing written


def test_clerk_still_imports_into_own_department_and_own_records(db, world):
    """The fix refuses only rows out of reach: the clerk's own department's customer and one they own (in another
    department) update; a new row placed in their department is created."""
    admin, ids = world
    imp.import_customers(db, admin, read_table("code,name,department,owner\nA1,甲,D1,\nA2,乙,D2,clerk1\n"
                                               .encode(), "x.csv"))
    clerk = _clerk(admin, ids, "masterdata.customer.import")
    report = imp.import_customers(db, clerk, read_table("code,name\nA1,甲（改）\nA2,乙（改）\n".encode(), "x.csv"))
    assert (report.created, report.updated, report.problems) == (0, 2, [])
    report = imp.import_customers(db, clerk, read_table("code,name,department\nA3,丙,D1\n".encode(), "x.csv"))
    assert report.created == 1
    assert _state(db, Customer, "A2")["name"] == "乙（改）"


def _example_row(kind) -> dict:
    examples = {**tabular.EXAMPLES, **org_kinds.EXAMPLES}
    return dict(examples[kind.name])


@pytest.mark.parametrize("name", sorted(kinds()))
def test_every_import_kind_checks_the_current_row(db, world, name):
    """Over every master record kind the importer knows: an existing record the clerk may not touch (in D2, or a
    company-wide record such as a product) stays untouched when the clerk's file gives its key with every scope
    column pointed at the clerk (department=D1, owner=clerk1, for departments: parent=D1)."""
    admin, ids = world
    kind = kinds()[name]
    imp.import_warehouses(db, admin, read_table(b"code,name\nWH01,WH\n", "w.csv"))  # locations' example needs it
    row = _example_row(kind)
    cols = [c.key for c in kind.columns]
    if name == "departments":
        row.update(code="D2")  # the clerk's file moves D2 (not theirs) under D1 (theirs)
    if "department" in cols:
        row["department"] = "D2"
    before_file = to_csv_bytes(list(row), [list(row.values())])
    if name != "departments":
        imp.COMMITS[name](db, admin, read_table(before_file, "a.csv"), confirm_duplicates=True)
    model = kind.model
    key_cols = [kind.col(k).target for k in kind.key]

    def snapshot():
        with db.uow(readonly=True) as uow:
            objs = uow.session.execute(select(model).where(model.company_id == admin.company_id)).scalars()
            return {tuple(getattr(o, k) for k in key_cols): (o.version, o.name, getattr(o, "department_id", None),
                                                             getattr(o, "owner_id", None),
                                                             getattr(o, "parent_id", None)) for o in objs}

    before = snapshot()
    takeover = dict(row, name="抢过来")
    if "department" in cols:
        takeover["department"] = "D1"
    if "owner" in cols:
        takeover["owner"] = "clerk1"
    if "parent" in cols and name == "departments":
        takeover["parent"] = "D1"
    clerk = _clerk(admin, ids, imp.COMMITS[name].permission)
    data = to_csv_bytes(list(takeover), [list(takeover.values())])
    report = imp.DRY_RUNS[name](db, clerk, read_table(data, "b.csv"))
    assert report.problems and all(p.row == 2 for p in report.problems), [p.message_id for p in report.problems]
    with pytest.raises(ImportFailed):
        imp.COMMITS[name](db, clerk, read_table(data, "b.csv"), confirm_duplicates=True)
    assert snapshot() == before


@pytest.mark.parametrize("module,dry,commit", [
    ("erp_core.io.ledger_import_services", "dry_run_accounts", "import_accounts"),
    ("erp_core.io.ledger_import_services", "dry_run_opening_balances", "import_opening_balances"),
    ("erp_core.inventory.opening_services", "dry_run_opening_stock", "import_opening_stock")])
@pytest.mark.parametrize("scope", ["department", "project", "own"])
def test_company_wide_imports_need_a_company_wide_grant(db, world, module, dry, commit, scope):
    """The chart of accounts, the opening balances and the opening stock are the whole company's: a grant of
    department, project or own scope is refused (dry run and import alike) instead of writing company-wide data."""
    import importlib

    from erp_core.kernel.errors import PermissionDenied
    from tests.access.test_access_matrix import _counts

    admin, ids = world
    mod = importlib.import_module(module)
    permission = getattr(mod, commit).permission
    clerk = actor(admin.company_id, {permission: scope}, user_id=ids["clerk"], username="clerk1",
                  department_ids=frozenset({ids["D1"]}))
    table = read_table("code,name\n1001,库存现金\n".encode(), "x.csv")
    before = _counts(db)
    for fn in (dry, commit):
        with pytest.raises(PermissionDenied):
            getattr(mod, fn)(db, clerk, table)
    assert _counts(db) == before
