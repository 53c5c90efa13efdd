"""Access examples for costing (存货核算) and the posting-account rules (科目设置), erp_core/costing."""

from erp_core.costing import rules_services
from erp_core.masterdata import warehouse_services
from tests.access.examples import example

C = "erp_core.costing."


@example(C + "rules_queries.list_account_rules", C + "rules_queries.role_defaults", C + "rules_queries.rule_choices",
         C + "run_queries.list_costing_runs")
def _(env):
    return {}


@example(C + "run_queries.stock_on_hand_as_of")
def _(env):
    import datetime as dt

    return {"on": dt.date(2026, 3, 31)}


@example(C + "rules_queries.resolve_account")
def _(env):
    return {"role": "stock"}


@example(C + "rules_services.set_account_rule")
def _(env):
    wh = env.unique("CW")
    wid = env.call(warehouse_services.create_warehouse, code=wh, name=wh)
    return {"role": "stock", "account_code": "1403", "warehouse_id": wid}


@example(C + "rules_services.clear_account_rule")
def _(env):
    wh = env.unique("CW")
    wid = env.call(warehouse_services.create_warehouse, code=wh, name=wh)
    return {"rule_id": env.call(rules_services.set_account_rule, role="stock", account_code="1403",
                                warehouse_id=wid)}


@example(C + "run_services.run_costing", C + "run_queries.period_costing_state")
def _(env):
    return {"period": "2026-02"}


@example(C + "run_queries.run_corrections")
def _(env):
    from erp_core.costing.run_services import run_costing

    return {"run_id": env.call(run_costing, period="2026-01")}
