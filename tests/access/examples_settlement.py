"""Access examples for payments and settlement (erp_core/settlement). The migrated schema has no open-item
invoice type until the purchasing module's invoices are merged, so the examples pay in advance (预付), which
needs no invoice; the three use cases that need an open invoice are exercised with only their own permission in
tests/settlement/test_payments.py::test_each_settlement_use_case_runs_with_only_its_own_permission."""

import datetime as dt

from erp_core.masterdata.partners_services import create_supplier
from erp_core.settlement import queries as q
from erp_core.settlement import services as s
from tests.access.examples import covered_elsewhere, example

M = "erp_core.settlement."
DAY = dt.date(2026, 1, 10)
ONLY_OWN = "tests/settlement/test_payments.py::test_each_settlement_use_case_runs_with_only_its_own_permission"


def _supplier(env) -> int:
    if "pay_supplier" not in env.cache:
        code = env.unique("PS")
        env.cache["pay_supplier"] = env.call(create_supplier, values={"code": code, "name": f"付款供应商{code}"})
    return env.cache["pay_supplier"]


def _draft(env) -> int:
    return env.call(s.create_payment, partner_id=_supplier(env), doc_date=DAY, lines=[{"amount": "100"}])


@example(M + "services.create_payment")
def _(env):
    return {"partner_id": _supplier(env), "doc_date": DAY, "lines": [{"amount": "100.00"}],
            "account_code": env.call(q.payment_choices)["default_account"]}


@example(M + "services.update_payment")
def _(env):
    return {"payment_id": _draft(env), "version": 1, "lines": [{"amount": "120"}], "remarks": "改"}


@example(M + "services.submit_payment")
def _(env):
    return {"payment_id": _draft(env)}


@example(M + "services.post_payment")
def _(env):
    return {"payment_id": _draft(env)}


@example(M + "services.cancel_payment")
def _(env):
    return {"payment_id": _draft(env), "version": 1}


@example(M + "services.reverse_payment")
def _(env):
    pid = _draft(env)
    env.call(s.post_payment, payment_id=pid)
    return {"payment_id": pid}


for _name in ("apply_prepayment", "reverse_prepayment_application", "offset_items"):
    covered_elsewhere(M + "services." + _name, ONLY_OWN)


@example(M + "queries.payment_list", M + "queries.payment_choices", M + "queries.payables_choices",
         M + "queries.application_list")
def _(env):
    return {}


@example(M + "queries.payment_detail")
def _(env):
    return {"payment_id": _draft(env)}


@example(M + "queries.supplier_open_items")
def _(env):
    return {"partner_id": _supplier(env), "kind": "prepayment"}


@example(M + "queries.payables_aging")
def _(env):
    return {"as_of": DAY}


@example(M + "queries.supplier_statement")
def _(env):
    return {"partner_id": _supplier(env), "date_from": dt.date(2026, 1, 1), "date_to": DAY}


@example(M + "import_services.dry_run_payments", M + "import_services.import_payments")
def _(env):
    from erp_core.io.importer import Table

    code = env.unique("PI")
    env.call(create_supplier, values={"code": code, "name": f"导入供应商{code}"})
    account = env.call(q.payment_choices)["default_account"]
    return {"table": Table(["付款单号", "日期", "供应商编码", "金额", "付款账户"],
                           [[env.unique("FKI"), "2026-01-10", code, "88.00", account]], "payments.csv"),
            "post": True}


assert q  # the module registers the queries above
