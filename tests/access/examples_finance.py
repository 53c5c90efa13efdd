"""Access examples for the chart of accounts, vouchers, posting and periods (engineer F1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from erp_core.finance import account_services, queries, voucher_services
from erp_core.ledger import posting
from tests.access.examples import example
from tests.finance.support import account_id, accountant

F = "erp_core.finance."
DAY = dt.date(2026, 11, 10)
LINES = [{"account_code": "1001", "debit": Decimal("10"), "summary": "备用金"},
         {"account_code": "5001", "credit": Decimal("10")}]


def _voucher(env, *, reviewed=False, posted=False) -> int:
    """A voucher prepared by one accountant (reviewed/posted by another when asked)."""
    preparer, other = accountant(env.company_id), accountant(env.company_id)
    vid = voucher_services.create_voucher(env.db, preparer, voucher_date=DAY, lines=LINES)
    if reviewed or posted:
        voucher_services.review_voucher(env.db, other, voucher_id=vid)
    if posted:
        posting.post_voucher(env.db, other, voucher_id=vid)
    return vid


@example(F + "account_services.create_account")
def _(env):
    return {"code": "1002" + env.unique("")[-2:], "name": "银行存款子户"}


@example(F + "account_services.update_account")
def _(env):
    acc = next(a for a in env.call(queries.list_accounts) if a.code == "5603")
    return {"account_id": acc.id, "version": acc.version, "name": "财务费用"}


@example(F + "account_services.set_account_frozen")
def _(env):
    return {"account_id": account_id(env.db, env.company_id, "1101"), "frozen": True}


@example(F + "account_services.delete_account")
def _(env):
    code = "1012" + env.unique("")[-2:]
    return {"account_id": env.call(account_services.create_account, code=code, name="临时")}


@example(F + "voucher_services.create_voucher")
def _(env):
    return {"voucher_date": DAY, "lines": LINES}


@example(F + "voucher_services.update_voucher")
def _(env):
    vid = _voucher(env)
    return {"voucher_id": vid, "version": 1, "voucher_date": DAY, "lines": LINES, "attachments": 1}


@example(F + "voucher_services.delete_voucher")
def _(env):
    return {"voucher_id": _voucher(env)}


@example(F + "voucher_services.review_voucher")
def _(env):
    return {"voucher_id": _voucher(env)}


@example(F + "voucher_services.unreview_voucher")
def _(env):
    return {"voucher_id": _voucher(env, reviewed=True)}


@example(F + "voucher_services.renumber_vouchers")
def _(env):
    return {"period": "2026-11", "voucher_type": "记"}


@example(F + "voucher_services.update_finance_settings")
def _(env):
    return {"voucher_type_mode": "single"}


@example("erp_core.ledger.posting.post_voucher")
def _(env):
    return {"voucher_id": _voucher(env, reviewed=True)}


@example("erp_core.ledger.posting.reverse_voucher")
def _(env):
    return {"voucher_id": _voucher(env, posted=True), "voucher_date": DAY}


@example(F + "queries.list_accounts", F + "queries.finance_settings", F + "queries.list_vouchers",
         F + "queries.voucher_gaps", F + "queries.voucher_type_choices", "erp_core.ledger.queries.list_periods")
def _(env):
    return {}


@example(F + "queries.get_voucher")
def _(env):
    vid = _voucher(env)
    return {"voucher_id": vid}




@example(F + "import_services.import_vouchers")
def _(env):
    from erp_core.io.importer import Table

    rows = [["2026-11-11", "记", "X1", "1", "1001", "导入", "5", ""],
            ["2026-11-11", "记", "X1", "2", "5001", "导入", "", "5"]]
    headers = ["date", "voucher_type", "voucher_no", "line_no", "account_code", "summary", "debit", "credit"]
    return {"table": Table(headers, rows, "access.csv")}


@example(F + "queries.dimension_choices")
def _(env):
    return {}


@example(F + "import_services.set_import_posting")
def _(env):
    return {"allowed": False}


@example(F + "account_services.upgrade_account")
def _(env):
    code = "1012" + env.unique("")[-2:]
    acc = env.call(account_services.create_account, code=code, name="其他货币资金子户")
    vid = env.call(voucher_services.create_voucher, voucher_date=DAY, lines=[
        {"account_code": code, "debit": Decimal("1")}, {"account_code": "5001", "credit": Decimal("1")}])
    assert vid
    return {"account_id": acc, "child_code": code + "01", "child_name": "原有业务"}
